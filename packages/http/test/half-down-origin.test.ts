import { startFaultProxy } from '@pool/testkit';
import { BalancedPool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { outcome } from './helpers/parity.js';
import { slowPaths, startServer } from './helpers/server.js';

// Several origins, one of which stops accepting connections (a full accept queue, a listener closed
// while draining) while its open keep-alive connections still work. Taken out by its failed connects,
// it used to close those connections too. Now only its connect path is out: new requests go to the
// healthy origins, and its open connections are kept, to serve only when no origin is up (and to be
// reused when it comes back). Side by side with undici's BalancedPool.

const slowHandler = slowPaths(300);

describe('an origin whose listener stopped accepting while its open connections still work, among several', () => {
  it('gets no new requests while another origin is up, keeps its open connections, and serves on them once no origin is up (undici\'s BalancedPool fails some)', async () => {
    const halfSrv = await startServer(slowHandler);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: halfSrv.port });
    const half = `http://127.0.0.1:${proxy.port}`;
    const reached = (prefix: string) => [...halfSrv.requests].filter(([path]) => path.startsWith(prefix)).reduce((sum, [, count]) => sum + count, 0);
    const run = async (make: (origins: string[]) => Dispatcher) => {
      const other = await startServer(slowHandler);
      const pool = make([half, other.origin]);
      const dispatch = (path: string) => outcome(pool.request({ path, method: 'GET' }));
      try {
        await Promise.all([1, 2, 3, 4].map((n) => dispatch(`/slow/warm/${n}`)));
        const openBefore = proxy.connectionCount();
        await proxy.refuse(true);
        // eight at once: those routed to the refusing origin beyond its two open connections need connects, which are refused
        const burst = await Promise.all(Array.from({ length: 8 }, (_, n) => dispatch(`/slow/burst/${n}`)));
        const healthy: string[] = [];
        for (let round = 0; round < 10; round++) healthy.push(...await Promise.all([1, 2].map((n) => dispatch(`/healthy/${round}/${n}`))));
        const openWhileOtherUp = proxy.connectionCount();
        await other.kill();
        const last: string[] = [];
        for (let round = 0; round < 10; round++) last.push(...await Promise.all([1, 2].map((n) => dispatch(`/last/${round}/${n}`))));
        return {
          openBefore,
          burstServed: burst.filter((result) => result === 'served').length,
          burstErrors: [...new Set(burst.filter((result) => result !== 'served'))],
          healthyServed: healthy.filter((result) => result === 'served').length,
          healthyOnHalfDown: reached('/healthy/'),
          openWhileOtherUp,
          lastServed: last.filter((result) => result === 'served').length,
          lastErrors: [...new Set(last.filter((result) => result !== 'served'))],
        };
      } finally {
        await pool.destroy();
        await proxy.refuse(false);
        await other.close();
      }
    };
    try {
      const undici = await run((origins) => new BalancedPool(origins, { connections: 3 }));
      halfSrv.requests.clear();
      const ours = await run((origins) => createHttpPool({ origins, healthCheck: false, pool: { max: 3 }, failover: { checkIntervalMs: 0 } }));
      console.log('an origin whose listener stopped, among several', { undici, ours });
      // undici's BalancedPool keeps both open connections and keeps sending to the origin (serving on
      // them, failing where a connect is needed), and serves some once the other origin is gone
      expect(undici).toMatchObject({ openBefore: 2, healthyServed: 20 });
      expect(undici.lastServed).toBeGreaterThan(0);
      // ours: no request of the burst fails (those waiting for refused connects move), no new request
      // reaches the half-down origin while the other is up, its open connections are kept, and they
      // serve every request once the other origin is gone (before: closed when it was taken out, 0 of 20)
      expect(ours).toMatchObject({ openBefore: 2, burstServed: 8, healthyServed: 20, healthyOnHalfDown: 0, openWhileOtherUp: 2, lastServed: 20, lastErrors: [] });
    } finally {
      await proxy.close();
      await halfSrv.close();
    }
  });
});
