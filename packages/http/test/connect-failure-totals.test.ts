import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { caught, freePort } from './helpers/parity.js';
import { startServer, until } from './helpers/server.js';

// A request failed because the connect made for it failed is a failed acquire (the backend was
// unavailable), not a caller abort: core's totals (and @pool/metrics' pool_acquires_*_total) count it
// as `rejected`, as core itself counts the callers a failed create rejects; `createErrors` counts the connect.
describe('a lone origin\'s failed connect, in core\'s totals', () => {
  it('the request it fails counts as a rejected acquire (with the create error), not as aborted', async () => {
    const pool = createHttpPool({ origin: `http://127.0.0.1:${await freePort()}`, healthCheck: false, failover: { checkIntervalMs: 0 } });
    try {
      const error = await caught(pool.request({ path: '/', method: 'GET' }));
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(pool.status()[0]?.pool.totals).toMatchObject({ createErrors: 1, rejected: 1, aborted: 0, timeouts: 0 });
    } finally {
      await pool.destroy();
    }
  });

  it('a caller abort while waiting for a connection still counts as aborted', async () => {
    const s = await startServer((req, res) => setTimeout(() => res.end('late'), 300));
    const pool = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 1 }, failover: { checkIntervalMs: 0 } });
    try {
      const busy = pool.request({ path: '/busy', method: 'GET' }).then((res) => res.body.text());
      await until(() => pool.status()[0]?.pool.borrowed === 1, 2_000, 'the connection in use');
      const waiting = caught(pool.request({ path: '/waiting', method: 'GET', signal: AbortSignal.timeout(50) }));
      expect(await waiting).toMatchObject({ name: expect.stringMatching(/Abort|Timeout/) });
      await busy;
      expect(pool.status()[0]?.pool.totals).toMatchObject({ aborted: 1, rejected: 0, createErrors: 0 });
    } finally {
      await pool.destroy();
      await s.close();
    }
  });
});
