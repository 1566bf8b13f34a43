import type { LookupFunction } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { caught, shape } from './helpers/parity.js';
import { startServer, until } from './helpers/server.js';

// With one origin there is nowhere to move a request whose connect failed, so it gets that error at
// once, as from undici's Pool, where each request has a connect of its own: a connect that hangs
// fails its request after the connect timeout (10 s), not after `failover.downAfterFailures` (2)
// attempts. Taking the lone origin out still needs that many failures in a row.

type Answer = (error: Error | null, address?: string | Array<{ address: string; family: number }>, family?: number) => void;

/** A `connect.lookup` whose answers the test gives: each connect waits on its own lookup until then. */
function gatedLookup() {
  const pending: Array<{ fail: (error: Error) => void; pass: () => void }> = [];
  const lookup = ((_hostname: string, options: { all?: boolean }, callback: Answer) => {
    pending.push({
      fail: (error) => callback(error),
      pass: () => (options.all === true ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)),
    });
  }) as unknown as LookupFunction;
  return { lookup, pending };
}

const notFound = () => Object.assign(new Error('getaddrinfo ENOTFOUND gated.test'), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'gated.test' });
const settledYet = (promise: Promise<unknown>) => Promise.race([promise.then(() => 'settled', () => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))]);

describe('a lone origin\'s failed connect fails the request it was for', () => {
  it('side by side with undici\'s Pool: the first request gets the connect error, the one behind it is answered by the next connect, and the origin stays in rotation', async () => {
    const s = await startServer();
    try {
      const run = async (make: (lookup: LookupFunction) => Dispatcher) => {
        const gate = gatedLookup();
        const pool = make(gate.lookup);
        const changes: boolean[] = [];
        (pool as Partial<HttpPool>).onOriginChange?.((change) => changes.push(change.up));
        const first = caught(pool.request({ path: '/first', method: 'GET' }));
        const second = pool.request({ path: '/second', method: 'GET' }).then(async (res) => (await res.body.json() as { path: string }).path, (error: unknown) => shape(error));
        await until(() => gate.pending.length === 2, 2_000, 'two connects');
        gate.pending[0]?.fail(notFound());
        const error = shape(await first);
        const secondMeanwhile = await settledYet(second);
        const up = (pool as Partial<HttpPool>).status?.()[0]?.up;
        gate.pending[1]?.pass();
        const out = { first: error === 'no error' ? error : error.code, secondMeanwhile, second: await second, connects: gate.pending.length, up, changes };
        await pool.destroy();
        return out;
      };
      const origin = `http://gated.test:${s.port}`;
      const undici = await run((lookup) => new Pool(origin, { connections: 2, connect: { lookup } }));
      const ours = await run((lookup) => createHttpPool({ origin, healthCheck: false, pool: { max: 2 }, connect: { lookup } }));
      expect(undici).toEqual({ first: 'ENOTFOUND', secondMeanwhile: 'pending', second: '/second', connects: 2, up: undefined, changes: [] });
      expect(ours).toEqual({ ...undici, up: true });
    } finally {
      await s.close();
    }
  });

  it('side by side with undici\'s Pool: the failed connects that take the lone origin out (downAfterFailures 2) fail only the requests they were made for; the requests behind them get connects of their own', async () => {
    // before: the second failed connect took the origin out and failed all four at once, though no
    // connect was ever made for the last two (a 100 ms restart under a burst of 200, max 10, 20 ms
    // connects: undici's Pool failed 30 to 40 requests, ours all 200; now 3)
    const s = await startServer();
    try {
      const run = async (make: (lookup: LookupFunction) => Dispatcher) => {
        const gate = gatedLookup();
        const pool = make(gate.lookup);
        const settled: Array<string | undefined> = [];
        const results = [1, 2, 3, 4].map((n) => pool.request({ path: `/${n}`, method: 'GET' }).then(
          async (res) => (await res.body.json() as { path: string }).path,
          (error: unknown) => { const seen = shape(error); return seen === 'no error' ? seen : String(seen.code); },
        ).then((result) => { settled.push(result); return result; }));
        await until(() => gate.pending.length === 2, 2_000, 'two connects');
        gate.pending[0]?.fail(notFound());
        gate.pending[1]?.fail(notFound());
        // the server is back: every later connect passes
        let answered = 2;
        await until(() => {
          while (answered < gate.pending.length) gate.pending[answered++]?.pass();
          return settled.length === 4;
        }, 5_000, 'every request settled');
        const out = { results: await Promise.all(results), connects: gate.pending.length };
        await pool.destroy();
        return out;
      };
      const origin = `http://gated.test:${s.port}`;
      const undici = await run((lookup) => new Pool(origin, { connections: 2, connect: { lookup } }));
      const ours = await run((lookup) => createHttpPool({ origin, healthCheck: false, pool: { max: 2 }, connect: { lookup } }));
      expect(undici).toEqual({ results: ['ENOTFOUND', 'ENOTFOUND', '/3', '/4'], connects: 4 });
      expect(ours.results).toEqual(undici.results);
    } finally {
      await s.close();
    }
  });

  it('a periodic check\'s failed connect fails the check, not a request waiting behind it; one failed check leaves the origin in rotation', async () => {
    const s = await startServer();
    const gate = gatedLookup();
    const pool = createHttpPool({ origin: `http://gated.test:${s.port}`, healthCheck: false, pool: { max: 2 }, connect: { lookup: gate.lookup }, failover: { checkIntervalMs: 300 } });
    const changes: boolean[] = [];
    pool.onOriginChange((change) => changes.push(change.up));
    try {
      await until(() => gate.pending.length === 1, 2_000, 'the periodic check\'s connect'); // no connection yet: the check opens one
      const request = pool.request({ path: '/after-check', method: 'GET' }).then(async (res) => (await res.body.json() as { path: string }).path, (error: unknown) => shape(error));
      await until(() => gate.pending.length === 2, 2_000, 'the request\'s connect');
      gate.pending[0]?.fail(notFound());
      expect(await settledYet(request)).toBe('pending');
      expect(pool.status()[0]).toMatchObject({ up: true, failures: 1, lastError: expect.objectContaining({ code: 'ENOTFOUND' }) });
      gate.pending[1]?.pass();
      expect(await request).toBe('/after-check');
      expect(changes).toEqual([]);
    } finally {
      await pool.destroy();
      await s.close();
    }
  });

  it('connects that hang (connectTimeout 300): each request fails with undici\'s ConnectTimeoutError after one attempt; the origin is taken out only after downAfterFailures (2) in a row', async () => {
    const never: LookupFunction = () => undefined;
    const pool = createHttpPool({ origin: 'http://never.test:8080', healthCheck: false, connect: { lookup: never }, client: { connectTimeout: 300 }, failover: { checkIntervalMs: 0 } });
    const changes: boolean[] = [];
    pool.onOriginChange((change) => changes.push(change.up));
    let attempts = 0;
    pool.on('connectionError', () => attempts++);
    try {
      const once = async () => {
        const startedAt = Date.now();
        const error = shape(await caught(pool.request({ path: '/', method: 'GET' })));
        return { name: error === 'no error' ? error : error.name, code: error === 'no error' ? error : error.code, under2s: Date.now() - startedAt < 2_000 };
      };
      const timeout = { name: 'ConnectTimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT', under2s: true };
      expect(await once()).toEqual(timeout);
      expect({ attempts, up: pool.status()[0]?.up, changes }).toEqual({ attempts: 1, up: true, changes: [] });
      expect(await once()).toEqual(timeout);
      expect({ attempts, up: pool.status()[0]?.up, changes }).toEqual({ attempts: 2, up: false, changes: [false] });
      // taken out: the next request still goes to the pool, which connects for it at once, and gets that connect's error
      expect(await once()).toEqual(timeout);
    } finally {
      await pool.destroy();
    }
  });
});
