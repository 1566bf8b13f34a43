import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { originsBackWithHangingHealth } from './helpers/hanging-probes.js';
import { outcome } from './helpers/parity.js';

// Every origin down: a request waits for the probes of the down origins (sent to the first that
// passes). That wait is a wait for a connection, and keeps the request's deadline
// (`pool.acquireTimeoutMs`): a probe that hangs (a health check never answered, a connect that hangs)
// must not hold the request past it.

describe('a request waiting for the probes of down origins', () => {
  it('fails with HTTP_NO_ORIGIN at its deadline (acquireTimeoutMs) when the probes hang, not when they time out', async () => {
    // the probes' health checks would time out after 60 s
    const { pool, servers } = await originsBackWithHangingHealth({ failover: { checkIntervalMs: 0 }, pool: { acquireTimeoutMs: 300, validateTimeoutMs: 60_000 } });
    try {
      const startedAt = performance.now();
      const settled = outcome(pool.request({ path: '/', method: 'GET' })).then((result) => ({ result, ms: performance.now() - startedAt }));
      // before: still waiting 3 s on (until the probes' 60 s health check deadline)
      const result = await Promise.race([settled, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 3_000))]);
      expect(result).toMatchObject({ result: 'HTTP_NO_ORIGIN' });
      expect((result as { ms: number }).ms).toBeGreaterThanOrEqual(295);
    } finally {
      await pool.destroy();
      for (const s of servers) await s.close();
    }
  });

  it('20 requests waiting with one shared signal (a service\'s shutdown signal) add one listener to it between them, and its abort ends them all', async () => {
    const { pool, servers } = await originsBackWithHangingHealth({ failover: { checkIntervalMs: 0 }, pool: { acquireTimeoutMs: 30_000, validateTimeoutMs: 60_000 } });
    try {
      const shutdown = new AbortController();
      const waiting = Array.from({ length: 20 }, () => outcome(pool.request({ path: '/', method: 'GET', signal: shutdown.signal })));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // undici's request() adds one of its own per request (as with undici's Pool); ours was one more per request
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(21);
      shutdown.abort();
      expect(new Set(await Promise.all(waiting)).size).toBe(1);
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    } finally {
      await pool.destroy();
      for (const s of servers) await s.close();
    }
  });
});
