import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPool, isHttpPoolError, type HttpPool, type HttpPoolOptions } from '../src/index.js';
import { startServer, until, type Handler, type TestServer } from './helpers/server.js';

// A user moving from undici's Pool points the pool at their app as it is: most apps have routes and
// answer 404 (or 405 to a HEAD) for a path they do not know, /health included. The default ping must
// not take such a server out: before, every request failed with HTTP_NO_ORIGIN two pings later.
const routedApp = (status: number): Handler => (req, res) => {
  if (req.url?.startsWith('/users/')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`user ${req.url.slice(7)}`);
  res.writeHead(status).end('no such route');
};

describe('the default health check', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const setUp = async (handler: Handler, options: Partial<HttpPoolOptions> = {}): Promise<{ server: TestServer; pool: HttpPool }> => {
    const server = await startServer(handler);
    cleanups.push(() => server.close());
    // a health check of the origin every 20 ms, so several run within the test
    const pool = createHttpPool({ origins: [server.origin], failover: { checkIntervalMs: 20 }, ...options });
    cleanups.push(() => pool.close());
    return { server, pool };
  };
  const get = async (pool: HttpPool, path: string): Promise<string> => {
    const response = await request(`http://app.internal${path}`, { dispatcher: pool });
    return response.body.text();
  };

  for (const status of [404, 405]) {
    it(`keeps a server without a /health route (it answers ${status}) in rotation, as undici's Pool would serve it`, async () => {
      const { server, pool } = await setUp(routedApp(status));
      expect(await get(pool, '/users/1')).toBe('user 1');
      await until(() => (server.requests.get('/health') ?? 0) >= 5, 5_000, 'five health checks');
      expect(pool.status()[0]).toMatchObject({ up: true, failures: 0 });
      expect(await get(pool, '/users/2')).toBe('user 2');
    });
  }

  it('still fails on a 5xx answer: a server saying it is unavailable is taken out', async () => {
    const { server, pool } = await setUp((req, res) => {
      if (req.url === '/health') return void res.writeHead(503).end();
      res.end('ok');
    });
    await until(() => pool.status()[0]?.up === false, 5_000, 'the origin to be taken out');
    expect(isHttpPoolError(pool.status()[0]?.lastError, 'HTTP_HEALTH_CHECK_FAILED')).toBe(true);
    expect(server.requests.get('/health')).toBeGreaterThanOrEqual(2);
  });

  it('is strict once the user names the endpoint: a 404 on it means the check fails', async () => {
    const { pool } = await setUp(routedApp(404), { healthCheck: { path: '/health' } });
    await until(() => pool.status()[0]?.up === false, 5_000, 'the origin to be taken out');
    expect(isHttpPoolError(pool.status()[0]?.lastError, 'HTTP_HEALTH_CHECK_FAILED')).toBe(true);
  });
});
