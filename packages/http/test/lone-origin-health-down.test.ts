import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { startServer, until, type Handler } from './helpers/server.js';

// A lone origin taken out by failed health checks (its health path answers 503: a server draining, a
// dependency of its health check down) while its other paths still answer. With a single origin there
// is nowhere better to send a request, so a failing health check must not fail the requests the
// server might still answer: undici's Pool sends them and returns the server's responses. Before, the
// requests sent while it was out shared one probe, whose failed health check failed them all with
// HTTP_NO_ORIGIN.

const unhealthy: Handler = (req, res) => {
  if (req.url === '/health') return void res.writeHead(503).end('draining');
  if (req.url?.startsWith('/broken')) return void res.writeHead(503).end('unavailable');
  setTimeout(() => res.writeHead(200).end(`ok ${req.url}`), 20);
};

describe('a lone origin taken out by failed health checks, side by side with undici\'s Pool', () => {
  it('keeps sending requests and returns the server\'s answers (200s and 503s) as undici\'s Pool does; it is reported down, and back once its health check passes', async () => {
    const s = await startServer(unhealthy);
    const outcome = (promise: Promise<Dispatcher.ResponseData>) => promise.then(async (res) => { await res.body.text(); return res.statusCode; }, (error: unknown) => String((error as { code?: unknown }).code));
    const burst = (pool: Dispatcher) => Promise.all(Array.from({ length: 12 }, (_, n) => outcome(pool.request({ path: n % 3 === 2 ? `/broken/${n}` : `/users/${n}`, method: 'GET' }))));
    try {
      const undici = new Pool(s.origin, { connections: 2 });
      const undiciResults = await burst(undici);
      await undici.destroy();

      const events: string[] = [];
      const ours: HttpPool = createHttpPool({ origin: s.origin, healthCheck: { path: '/health' }, pool: { max: 2 }, failover: { checkIntervalMs: 20 } });
      ours.onOriginChange(({ up }) => events.push(up ? 'up' : 'down'));
      try {
        await until(() => ours.status()[0]?.up === false, 5_000, 'the origin to be taken out');
        // twelve at once, ten waiting for one of the two connections
        const oursResults = await burst(ours);
        console.log('a lone origin failing its health check', { undici: undiciResults, ours: oursResults });
        const expected = Array.from({ length: 12 }, (_, n) => (n % 3 === 2 ? 503 : 200));
        expect(undiciResults).toEqual(expected);
        expect(oursResults).toEqual(expected);
        expect(ours.status()[0]).toMatchObject({ up: false, pool: { totals: { aborted: 0, rejected: 0 } } });
        // reported down, and back once its health check passes
        s.handler = (req, res) => res.writeHead(req.url === '/health' ? 204 : 200).end();
        await until(() => ours.status()[0]?.up === true, 15_000, 'the origin to be probed back in');
        expect(events).toEqual(['down', 'up']);
      } finally {
        await ours.destroy();
      }
    } finally {
      await s.close();
    }
  });
});
