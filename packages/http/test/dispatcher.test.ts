import { Writable } from 'node:stream';
import { errors, fetch, interceptors, request, stream, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { startServer, until, type TestServer } from './helpers/server.js';

describe('HttpPool as an undici Dispatcher', () => {
  let server: TestServer;
  let pool: HttpPool;
  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await pool?.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves undici request() and reuses one keep-alive connection for sequential requests', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    const before = server.connections;
    for (let i = 0; i < 5; i++) {
      const res = await request(`${server.origin}/item/${i}`, { dispatcher: pool });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toMatchObject({ method: 'GET', path: `/item/${i}` });
    }
    expect(server.connections - before).toBe(1);
    const [status] = pool.status();
    expect(status?.pool).toMatchObject({ size: 1, idle: 1, borrowed: 0 });
    expect(status?.inflight).toBe(0);
  });

  it('serves undici fetch() with { dispatcher }, including a POST body', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    const got = await fetch(`${server.origin}/fetch`, { dispatcher: pool });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ path: '/fetch' });
    const posted = await fetch(`${server.origin}/post`, { method: 'POST', body: 'hello', dispatcher: pool });
    expect(await posted.json()).toMatchObject({ method: 'POST', body: 'hello' });
  });

  it('serves HEAD (undici closes the socket after it) and the next request gets a working connection', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    for (let i = 0; i < 5; i++) {
      const head = await request(`${server.origin}/head`, { dispatcher: pool, method: 'HEAD' });
      await head.body.dump();
      expect(head.statusCode).toBe(200);
      const get = await request(`${server.origin}/after-head`, { dispatcher: pool });
      expect(await get.body.json()).toMatchObject({ path: '/after-head' });
    }
  });

  it('serves undici stream()', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    const chunks: Buffer[] = [];
    await stream(`${server.origin}/stream`, { dispatcher: pool, method: 'GET' }, () => new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }));
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ path: '/stream' });
  });

  it('bounds connections by pool.max under 50 concurrent requests, all answered', async () => {
    pool = createHttpPool({ origins: [server.origin], pool: { max: 4 } });
    const before = server.connections;
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const res = await request(`${server.origin}/c/${i}`, { dispatcher: pool });
      return ((await res.body.json()) as { path: string }).path;
    }));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => `/c/${i}`));
    expect(server.connections - before).toBeLessThanOrEqual(4);
    expect(pool.status()[0]?.pool.size).toBeLessThanOrEqual(4);
  });

  it('drives a handler written in the newer onRequestStart/onResponseStart style', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    const seen = await new Promise<{ status: number; body: string; events: string[] }>((resolve, reject) => {
      const events: string[] = [];
      const chunks: Buffer[] = [];
      let status = 0;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: () => events.push('start'),
        onResponseStart: (_controller, statusCode) => {
          events.push('headers');
          status = statusCode;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          events.push('end');
          resolve({ status, body: Buffer.concat(chunks).toString(), events });
        },
        onResponseError: (_controller, error) => reject(error),
      };
      pool.dispatch({ origin: server.origin, method: 'GET', path: '/v2' }, handler);
    });
    expect(seen.status).toBe(200);
    expect(JSON.parse(seen.body)).toMatchObject({ path: '/v2' });
    expect(seen.events).toEqual(['start', 'headers', 'end']);
    expect(pool.status()[0]?.pool.borrowed).toBe(0);
  });

  it('works under undici interceptors via compose() (they drive it with the newer handler style)', async () => {
    pool = createHttpPool({ origins: [server.origin] });
    const styles: string[] = [];
    const dispatch = pool.dispatch.bind(pool);
    pool.dispatch = (opts, handler) => {
      styles.push(typeof handler.onRequestStart === 'function' ? 'controller' : 'legacy');
      return dispatch(opts, handler);
    };
    const composed = pool.compose(interceptors.retry({ maxRetries: 1 }), interceptors.responseError());
    const res = await request(`${server.origin}/composed`, { dispatcher: composed });
    expect(await res.body.json()).toMatchObject({ path: '/composed' });
    const got = await fetch(`${server.origin}/composed-fetch`, { dispatcher: composed });
    expect(await got.json()).toMatchObject({ path: '/composed-fetch' });
    expect(styles).toEqual(['controller', 'controller']);
  });

  it('aborts a request through its signal and does not reuse that connection for a stray reply', async () => {
    const slow = await startServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 2_000);
      else res.end('fast');
    });
    pool = createHttpPool({ origins: [slow.origin] });
    const controller = new AbortController();
    const pending = request(`${slow.origin}/slow`, { dispatcher: pool, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
    const next = await request(`${slow.origin}/fast`, { dispatcher: pool });
    expect(await next.body.text()).toBe('fast');
    await pool.close();
    await slow.close();
  });

  it('rejects requests after close() with undici ClientClosedError, and close waits for requests in flight', async () => {
    const slow = await startServer((_req, res) => setTimeout(() => res.end('done'), 100));
    pool = createHttpPool({ origins: [slow.origin] });
    const inflight = request(`${slow.origin}/`, { dispatcher: pool }).then((res) => res.body.text());
    // in flight means at the server (close() also waits for a request still waiting for its connection: see pool-parity)
    await until(() => slow.requests.get('/') === 1, 5_000, 'the request to reach the server');
    const closing = pool.close();
    await expect(request(`${slow.origin}/`, { dispatcher: pool })).rejects.toBeInstanceOf(errors.ClientClosedError);
    expect(await inflight).toBe('done');
    await closing;
    expect(pool.status()[0]?.pool).toMatchObject({ size: 0, closed: true });
    await slow.close();
  });

  it('destroy() cuts requests in flight even while a close() waits for them', async () => {
    const hang = await startServer(() => undefined);
    pool = createHttpPool({ origins: [hang.origin] });
    const inflight = request(`${hang.origin}/`, { dispatcher: pool }).catch((error: unknown) => error);
    await until(() => hang.requests.get('/') === 1, 5_000, 'the request to reach the server');
    const closing = pool.close();
    const started = performance.now();
    await pool.destroy();
    await closing;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await inflight).toBeInstanceOf(Error);
    await hang.close();
  });

  it('destroy() fails requests in flight and later ones with ClientDestroyedError', async () => {
    const hang = await startServer(() => undefined);
    pool = createHttpPool({ origins: [hang.origin] });
    const inflight = request(`${hang.origin}/`, { dispatcher: pool });
    await until(() => hang.requests.get('/') === 1, 5_000, 'the request to reach the server');
    await pool.destroy();
    await expect(inflight).rejects.toThrow();
    await expect(request(`${hang.origin}/`, { dispatcher: pool })).rejects.toBeInstanceOf(errors.ClientDestroyedError);
    await hang.close();
  });
});

describe('HttpPool saturation', () => {
  it('fails a request with the pool timeout (POOL_TIMEOUT) when every connection stays busy past acquireTimeoutMs', async () => {
    const hang = await startServer(() => undefined);
    const pool = createHttpPool({ origin: hang.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: 200 } });
    const stuck = request(`${hang.origin}/stuck`, { dispatcher: pool }).catch((error: unknown) => error);
    const started = performance.now();
    const error = await request(`${hang.origin}/waits`, { dispatcher: pool }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('POOL_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_000);
    await pool.destroy();
    await stuck;
    await hang.close();
  });
});
