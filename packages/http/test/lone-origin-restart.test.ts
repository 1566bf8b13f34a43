import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { shape } from './helpers/parity.js';
import { startServer, until } from './helpers/server.js';

// A lone origin restarting under load: it refuses connections for a moment, then listens again on
// its port. undici's Pool gives each request one connect of its own, and a refused one fails it:
// every request that reaches a client while the server is away fails (ECONNREFUSED), the rest are
// served once it is back. Ours queues requests within their deadline (acquireTimeoutMs): each fails
// only when the connect made for it fails (it is first in line), one connect at a time
// (`pool.retry.probeDelayMs` apart), so the requests waiting when the server returns are served.

const REQUESTS = 50;
const DOWN_MS = 300;

describe('a lone origin restarting under a burst, side by side with undici\'s Pool', () => {
  it(`${REQUESTS} requests sent while the server refuses connections for ${DOWN_MS} ms: ours fails fewer than undici's and serves every request still waiting when it is back`, async () => {
    const s = await startServer();
    try {
      const run = async (pool: Dispatcher) => {
        // warm: the origin has answered before (a restart, not a server that never was)
        await (await pool.request({ path: '/warm', method: 'GET' })).body.text();
        await s.kill();
        let refused = 0;
        pool.on('connectionError', () => refused++);
        // the first two requests have their connects refused: that takes ours out (downAfterFailures 2)
        const first = await Promise.all([1, 2].map((n) => pool.request({ path: `/first/${n}`, method: 'GET' }).then(() => 'served', (error: unknown) => String((error as { code?: unknown }).code))));
        const downAt = performance.now();
        const outcomes: Array<'served' | string> = [];
        let backAt = 0;
        let firstServedAfterBack = 0;
        const send = (n: number) => pool.request({ path: `/work/${n}`, method: 'GET' }).then(
          async (res) => {
            await res.body.text();
            if (firstServedAfterBack === 0) firstServedAfterBack = performance.now();
            outcomes.push('served');
          },
          (error: unknown) => {
            const seen = shape(error);
            outcomes.push(seen === 'no error' ? seen : String(seen.code));
          },
        );
        // half at once, then the other half one every 10 ms while the server is away
        const requests = Array.from({ length: REQUESTS / 2 }, (_, n) => send(n));
        for (let n = REQUESTS / 2; n < REQUESTS; n++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          requests.push(send(n));
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, DOWN_MS - (performance.now() - downAt))));
        await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
        const failedWhileDown = outcomes.length;
        await s.restart();
        backAt = performance.now();
        await until(() => outcomes.length === REQUESTS, 10_000, 'every request settled');
        await Promise.all(requests);
        await pool.destroy();
        const failed = outcomes.filter((outcome) => outcome !== 'served');
        return {
          first,
          failed: failed.length,
          served: REQUESTS - failed.length,
          failedWhileDown,
          refused,
          codes: [...new Set(failed)],
          firstSuccessMs: firstServedAfterBack === 0 ? undefined : Math.round(firstServedAfterBack - backAt),
        };
      };
      const undici = await run(new Pool(s.origin, { connections: 10 }));
      const ours = await run(createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 10, acquireTimeoutMs: 10_000 } }));
      console.log('lone origin restart', { undici, ours });
      expect(undici.first).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
      expect(ours.first).toEqual(undici.first);
      expect(undici.codes).toEqual(['ECONNREFUSED']);
      // every request of ours that failed had a connect of its own refused (each refused connect
      // fails at most the one request first in line): the others waited, and were served
      expect(ours.codes).toEqual(['ECONNREFUSED']);
      expect(ours.failed).toBeLessThanOrEqual(ours.refused - 2);
      expect(ours.failed).toBeLessThan(undici.failed);
      expect(ours.served).toBeGreaterThan(0);
      // nothing fails after the server is back: the requests still waiting then are all served, but
      // for at most the one whose connect was in flight as it came back (refused just before it
      // listened, heard just after: seen once in CI on a loaded machine)
      expect(ours.failed - ours.failedWhileDown).toBeLessThanOrEqual(1);
    } finally {
      await s.close();
    }
  });
});
