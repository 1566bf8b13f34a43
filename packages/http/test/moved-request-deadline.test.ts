import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { outcome } from './helpers/parity.js';
import { slowPaths, startServer } from './helpers/server.js';

// A request waiting for a connection on an origin that is taken out moves to another origin, where
// it keeps its deadline (`pool.acquireTimeoutMs`, counted from when it started waiting): it is one
// wait for a connection, not a new one per origin.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a request moved off an origin taken out', () => {
  it('keeps its deadline on the next origin: POOL_TIMEOUT at acquireTimeoutMs from its start, not that long after the move', async () => {
    const servers = await Promise.all([startServer(slowPaths(3_000)), startServer(slowPaths(3_000))]);
    const pool = createHttpPool({ origins: servers.map((s) => s.origin), healthCheck: false, failover: { checkIntervalMs: 0 }, pool: { max: 1, acquireTimeoutMs: 1_000 } });
    try {
      // both origins' only connection busy for 3 s
      const busy = [1, 2].map((n) => outcome(pool.request({ path: `/slow/${n}`, method: 'GET' })));
      await sleep(100);
      const startedAt = performance.now();
      const waiting = outcome(pool.request({ path: '/waiting', method: 'GET' })).then((result) => ({ result, ms: performance.now() - startedAt }));
      await sleep(900);
      // its origin dies: the busy request's socket and the connect made for the waiting one fail, which takes it out
      const on = pool.status().findIndex((origin) => origin.pool.pending === 1);
      await servers[on]!.kill();
      const result = await waiting;
      expect(pool.status()[on]?.up).toBe(false);
      // before: 'POOL_TIMEOUT' after about 1900 ms (a fresh 1000 ms on the other origin)
      expect(result.result).toBe('POOL_TIMEOUT');
      expect(result.ms).toBeGreaterThanOrEqual(995);
      expect(result.ms).toBeLessThan(1_500);
      await Promise.all(busy);
    } finally {
      await pool.destroy();
      for (const s of servers) await s.close();
    }
  });
});
