import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { both, caught, freePort, shape, withServer } from './helpers/parity.js';
import { defaultHandler, startServer, until } from './helpers/server.js';

// The README's "Differences from undici's Pool" that pool-parity.test.ts does not assert: each side
// by side, what undici's Pool does and what we do instead.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('parity with undici Pool: more documented differences', () => {
  it('DIFFERENCE (documented): user:pass@ in the origin sends Basic auth (undici\'s Pool sends none); a request\'s own authorization wins on both', async () => {
    const seen = await withServer(defaultHandler, (s) => both(async (make) => {
      const pool = make(s.origin.replace('http://', 'http://alice:pw@'));
      const sent = async (headers?: Record<string, string>): Promise<unknown> => {
        const res = await pool.request({ path: '/who', method: 'GET', ...(headers ? { headers } : {}) });
        return ((await res.body.json()) as { authorization: unknown }).authorization;
      };
      const out = { plain: await sent(), own: await sent({ authorization: 'Bearer t' }) };
      await pool.close();
      return out;
    }));
    expect(seen.undici).toEqual({ plain: null, own: 'Bearer t' });
    expect(seen.ours).toEqual({ plain: `Basic ${Buffer.from('alice:pw').toString('base64')}`, own: 'Bearer t' });
  });

  it('DIFFERENCE (documented): connectionError for a refused connect has [pool] targets (undici: [pool, client]); one attempt and one event per request on both, and the request fails with ECONNREFUSED', async () => {
    const port = await freePort();
    const seen = await both(async (make) => {
      const pool = make(`http://127.0.0.1:${port}`);
      const events: Array<[number, unknown]> = [];
      pool.on('connectionError', (_origin, targets, error) => events.push([targets.length, (error as { code?: unknown }).code]));
      const error = shape(await caught(pool.request({ path: '/', method: 'GET' })));
      await sleep(100); // no more attempts come afterwards
      await pool.destroy();
      return { code: error === 'no error' ? error : error.code, events };
    });
    expect(seen.undici).toEqual({ code: 'ECONNREFUSED', events: [[2, 'ECONNREFUSED']] });
    // before, ours made failover.downAfterFailures attempts (2) for the request, so the event fired twice
    expect(seen.ours).toEqual({ code: 'ECONNREFUSED', events: [[1, 'ECONNREFUSED']] });
  });

  it('DIFFERENCE (documented): aborting a request that waits for a connection rejects it at once (undici\'s Pool: once a connection frees)', async () => {
    const slow = (_req: unknown, res: import('node:http').ServerResponse) => void setTimeout(() => res.end('late'), 600);
    const run = async (pool: Dispatcher) => {
      const first = pool.request({ path: '/first', method: 'GET' });
      await sleep(20);
      const controller = new AbortController();
      const startedAt = Date.now();
      const waiting = caught(pool.request({ path: '/second', method: 'GET', signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      const error = shape(await waiting);
      const waitedMs = Date.now() - startedAt;
      await (await first).body.text();
      await pool.close();
      return { name: error === 'no error' ? error : error.name, waitedMs };
    };
    const undici = await withServer(slow, (s) => run(new Pool(s.origin, { connections: 1 })));
    const ours = await withServer(slow, (s) => run(createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 1 } })));
    expect(undici.name).toBe('AbortError');
    expect(undici.waitedMs).toBeGreaterThan(400);
    expect(ours.name).toBe('AbortError');
    expect(ours.waitedMs).toBeLessThan(300);
  });

  it('DIFFERENCE (documented): stats.running also counts a health check in flight (undici\'s Pool sends none); pending equals queued', async () => {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/health') setTimeout(() => res.end(), 300);
      else res.end('ok');
    };
    const seen = await withServer(handler, async (s) => {
      const undici = new Pool(s.origin, { connections: 4 });
      await (await undici.request({ path: '/', method: 'GET' })).body.text();
      await sleep(150);
      const undiciStats = { ...undici.stats };
      await undici.close();
      const ours = createHttpPool({ origin: s.origin, healthCheck: { path: '/health' }, failover: { checkIntervalMs: 100 } });
      await (await ours.request({ path: '/', method: 'GET' })).body.text();
      await until(() => s.requests.get('/health') === 1); // the first periodic check, on the idle connection
      const ourStats = { ...ours.stats };
      await ours.destroy();
      return { undici: undiciStats, ours: ourStats };
    });
    expect(seen.undici).toEqual({ connected: 1, free: 1, pending: 0, queued: 0, running: 0, size: 0 });
    expect(seen.ours).toEqual({ connected: 1, free: 0, pending: 0, queued: 0, running: 1, size: 1 });
  });

  it('DIFFERENCE (documented): the probes that take a down origin back emit no connect/disconnect/connectionError, so an idle pool is as quiet as undici\'s, which makes no attempt', async () => {
    const s = await startServer();
    try {
      const quietWhileDown = async (pool: Dispatcher) => {
        const events: string[] = [];
        pool.on('connect', () => events.push('connect'));
        pool.on('disconnect', () => events.push('disconnect'));
        pool.on('connectionError', () => events.push('connectionError'));
        await (await pool.request({ path: '/', method: 'GET' })).body.text();
        await s.kill();
        await caught(pool.request({ path: '/', method: 'GET' })); // refused: ours takes the origin out
        await sleep(50); // the events of that failure
        const beforeIdle = events.length;
        await sleep(300); // ours probes it meanwhile (every 50-100 ms)
        await s.restart();
        await sleep(300); // ours: a probe passes, the origin is back
        const whileIdle = events.slice(beforeIdle);
        const after = (await (await pool.request({ path: '/', method: 'GET' })).body.json()) as { path: string };
        await pool.destroy();
        return { whileIdle, after: after.path };
      };
      const seen = {
        undici: await quietWhileDown(new Pool(s.origin, { connections: 4 })),
        ours: await quietWhileDown(createHttpPool({ origin: s.origin, failover: { probe: { minDelayMs: 50, maxDelayMs: 100 } } })),
      };
      expect(seen.undici).toEqual({ whileIdle: [], after: '/' });
      expect(seen.ours).toEqual(seen.undici);
    } finally {
      await s.close();
    }
  });
});
