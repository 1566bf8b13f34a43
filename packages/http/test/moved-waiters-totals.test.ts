import { startFaultProxy } from '@pool/testkit';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { startServer, until } from './helpers/server.js';

// Several origins: when one is taken out, the requests waiting for its connections move to another
// origin. The caller did not give up: the down origin's pool failed them (its backend is
// unavailable), which core's totals count as `rejected`, as core counts the callers a failed create
// rejects. Before, they were moved by aborting a signal, and each counted as `aborted` (a caller
// cancellation, in @pool/metrics' pool_acquires_aborted_total).
describe('requests moved off an origin taken out, in core\'s totals', () => {
  it('count as rejected by the down origin\'s pool, not as aborted, and are all served by the other', async () => {
    const downSrv = await startServer();
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: downSrv.port });
    const other = await startServer();
    const pool = createHttpPool({ origins: [`http://127.0.0.1:${proxy.port}`, other.origin], healthCheck: false, pool: { max: 2 }, failover: { checkIntervalMs: 0, probe: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 } } });
    try {
      await proxy.refuse(true);
      // least outstanding: half of them wait for the refusing origin's connects, until two refused connects take it out
      const results = await Promise.all(Array.from({ length: 6 }, async (_, n) => (await request(`http://api.internal/${n}`, { dispatcher: pool })).statusCode));
      expect(results).toEqual([200, 200, 200, 200, 200, 200]);
      const [down, up] = pool.status();
      expect(down?.up).toBe(false);
      expect(up?.up).toBe(true);
      console.log('moved requests, down origin totals', down?.pool.totals);
      // every request routed to the down origin waited and was moved: none acquired, none aborted
      expect(down?.pool.totals).toMatchObject({ acquired: 0, aborted: 0, timeouts: 0, createErrors: 2 });
      expect(down?.pool.totals.rejected).toBe(3);
      expect(up?.pool.totals).toMatchObject({ acquired: 6, aborted: 0, rejected: 0 });
      await until(() => other.requests.size === 6, 1_000, 'six requests on the other origin');
    } finally {
      await pool.destroy();
      await proxy.close();
      await downSrv.close();
      await other.close();
    }
  });
});
