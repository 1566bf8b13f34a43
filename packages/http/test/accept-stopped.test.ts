import { startFaultProxy } from '@pool/testkit';
import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { outcome } from './helpers/parity.js';
import { slowPaths, startServer } from './helpers/server.js';

// A server whose listener stops taking new connections (an accept queue that is full, a listener
// closed while draining) while its open keep-alive connections still work. undici's Pool fails the
// requests that needed a new connection and keeps serving the rest on the connections it has.
// Taking our lone origin out after its failed connects used to close those working connections too,
// and fail every request after them (20 of 20; undici's Pool failed 10 of the 20, the ones it handed
// to clients without a connection).

const slowHandler = slowPaths(150);

describe('an origin that stops accepting new connections while its open ones still work, side by side with undici\'s Pool', () => {
  it('the requests that needed a new connection fail (no more of ours than of undici\'s), and the open keep-alive connections keep serving every request after them (undici\'s Pool serves some)', async () => {
    const s = await startServer(slowHandler);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: s.port });
    const origin = `http://127.0.0.1:${proxy.port}`;
    try {
      const run = async (pool: Dispatcher) => {
        // two keep-alive connections open
        await Promise.all([1, 2].map((n) => outcome(pool.request({ path: `/slow/warm/${n}`, method: 'GET' }))));
        const openBefore = proxy.connectionCount();
        await proxy.refuse(true);
        // four at once: two go on the open connections, two need connects, which are refused
        const burst = (await Promise.all([1, 2, 3, 4].map((n) => outcome(pool.request({ path: `/slow/burst/${n}`, method: 'GET' }))))).sort();
        const after: string[] = [];
        for (let round = 0; round < 10; round++) {
          after.push(...await Promise.all([1, 2].map((n) => outcome(pool.request({ path: `/after/${round}/${n}`, method: 'GET' })))));
        }
        const out = { openBefore, burst, afterServed: after.filter((result) => result === 'served').length, afterErrors: [...new Set(after.filter((result) => result !== 'served'))], openAfter: proxy.connectionCount() };
        await pool.destroy();
        await proxy.refuse(false);
        return out;
      };
      const undici = await run(new Pool(origin, { connections: 4 }));
      const ours = await run(createHttpPool({ origin, healthCheck: false, pool: { max: 4 } }));
      console.log('a listener that stopped accepting', { undici, ours });
      // undici's Pool: the two requests that needed a connect fail; after them it keeps its two open
      // connections and serves on them (the requests it hands to its clients that have none fail)
      expect(undici).toMatchObject({ openBefore: 2, burst: ['ECONNREFUSED', 'ECONNREFUSED', 'served', 'served'], openAfter: 2 });
      expect(undici.afterServed).toBeGreaterThan(0);
      expect(undici.afterErrors.every((code) => code === 'ECONNREFUSED')).toBe(true);
      // ours: no more failures in the burst, and every request after it served on the open connections
      expect(ours).toMatchObject({ openBefore: 2, afterServed: 20, afterErrors: [], openAfter: 2 });
      expect(ours.burst.filter((result) => result === 'served').length).toBeGreaterThanOrEqual(2);
      expect(ours.burst.filter((result) => result !== 'served').every((result) => result === 'ECONNREFUSED')).toBe(true);
    } finally {
      await proxy.close();
      await s.close();
    }
  });
});
