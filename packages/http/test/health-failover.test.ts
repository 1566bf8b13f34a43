import { describe, expect, it } from 'vitest';
import { isHttpPoolError } from '../src/index.js';
import { defaultHandler, until, type TestServer } from './helpers/server.js';
import { servedWork as served, startTraffic, threeOrigins, watchOrigins } from './helpers/traffic.js';

// Issue 9: "an origin that fails health checks is taken out and probed back in with backoff". The
// origin keeps accepting connections and answering requests; only its health endpoint says 503 (a
// server draining for a deploy does exactly this), so only the health checks can take it out.
describe('failover driven by health checks', () => {
  const origins = threeOrigins(50);

  it('takes out an origin whose health check fails while it still serves requests, and takes it back when it passes', async () => {
    const { pool, servers } = origins;
    const { events, lastDownCause } = watchOrigins(pool);
    const [, draining] = servers as [TestServer, TestServer, TestServer];
    const traffic = startTraffic(pool, 6, 2);
    try {
      await until(() => servers.every((server) => served(server) >= 10), 5_000, 'every origin to serve requests');
      draining.handler = (req, res, count) => {
        if (req.url === '/health') res.writeHead(503).end();
        else defaultHandler(req, res, count);
      };
      await until(() => events.includes(`down ${draining.origin}`), 5_000, 'the unhealthy origin to be taken out');
      expect(isHttpPoolError(lastDownCause(), 'HTTP_HEALTH_CHECK_FAILED')).toBe(true);
      expect(pool.status().map((status) => status.up)).toEqual([true, false, true]);
      // out of rotation: no more requests reach it while it stays unhealthy
      const servedWhileDown = served(draining);
      const othersBefore = served(servers[0]!) + served(servers[2]!);
      await until(() => served(servers[0]!) + served(servers[2]!) >= othersBefore + 100, 5_000, 'traffic to continue on the others');
      expect(served(draining)).toBeLessThanOrEqual(servedWhileDown + 8); // at most requests already in flight

      draining.handler = defaultHandler;
      await until(() => events.includes(`up ${draining.origin}`), 5_000, 'the origin to be probed back in');
      const back = served(draining);
      await until(() => served(draining) > back + 10, 5_000, 'the returned origin to serve again');
    } finally {
      await traffic.stop();
    }
    expect(traffic.failures).toEqual([]);
    expect(events).toEqual([`down ${draining.origin}`, `up ${draining.origin}`]);
  });
});
