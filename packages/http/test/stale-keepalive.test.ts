import { Pool, request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPool, isHttpPoolError, type HttpPool } from '../src/index.js';
import { startServer, until, type TestServer } from './helpers/server.js';

// reliability.md row 26: a keep-alive socket closed by the server as it is reused
describe('row 26: keep-alive socket closed by the server as it is reused', () => {
  let server: TestServer | undefined;
  let pool: HttpPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server?.close();
    pool = server = undefined;
  });

  /** A server that serves the first request of each connection and destroys the socket when a second one arrives. */
  const killsReusedSockets = () => startServer((req, res, socketRequests) => {
    if (socketRequests > 1) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.end(`${req.method} ${req.url}`));
  });

  it('retries an idempotent GET once on a fresh connection, and it succeeds', async () => {
    server = await killsReusedSockets();
    pool = createHttpPool({ origins: [server.origin], healthCheck: false });
    expect(await (await request(`${server.origin}/first`, { dispatcher: pool })).body.text()).toBe('GET /first');
    const res = await request(`${server.origin}/again`, { dispatcher: pool });
    expect(await res.body.text()).toBe('GET /again');
    // the request reached the server twice: on the stale socket (destroyed) and on the fresh one
    expect(server.requests.get('/again')).toBe(2);
    expect(server.connections).toBe(2);
  });

  it('retries for a handler in the newer onRequestStart style too, calling onRequestStart once', async () => {
    server = await killsReusedSockets();
    pool = createHttpPool({ origins: [server.origin], healthCheck: false });
    await (await request(`${server.origin}/warm`, { dispatcher: pool })).body.text();
    const starts: number[] = [];
    const body = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      pool!.dispatch({ origin: server!.origin, method: 'GET', path: '/v2-retry' }, {
        onRequestStart: () => starts.push(1),
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve(Buffer.concat(chunks).toString()),
        onResponseError: (_controller, error) => reject(error),
      });
    });
    expect(body).toBe('GET /v2-retry');
    expect(starts).toHaveLength(1);
    expect(server.requests.get('/v2-retry')).toBe(2);
  });

  it('fails a POST on the stale connection with HTTP_STALE_CONNECTION, without retrying it', async () => {
    server = await killsReusedSockets();
    pool = createHttpPool({ origins: [server.origin], healthCheck: false });
    await (await request(`${server.origin}/warm`, { dispatcher: pool })).body.text();
    const error = await request(`${server.origin}/order?api_key=canary-token`, { dispatcher: pool, method: 'POST', body: '{"qty":1}' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isHttpPoolError(error, 'HTTP_STALE_CONNECTION')).toBe(true);
    expect((error as Error).message).toMatch(/POST \/order\?… .*not idempotent/);
    // the query string may carry credentials: it stays out of the message
    expect((error as Error).message).not.toContain('canary-token');
    expect(((error as Error).cause as { code?: string }).code).toBe('UND_ERR_SOCKET');
    // it says what was seen: the close came right after the send, on a connection that had been idle
    expect((error as Error).message).toMatch(/closed \d+ ms after the send, before any response, on a connection idle for \d+ ms/);
    expect(server.requests.get('/order?api_key=canary-token')).toBe(1);
    expect(server.connections).toBe(1);
    // the pool is still usable: the next request opens a fresh connection
    expect(await (await request(`${server.origin}/after`, { dispatcher: pool })).body.text()).toBe('GET /after');
  });

  it('differs from undici\'s Pool there, which gives the caller the SocketError itself (the cause of ours)', async () => {
    server = await killsReusedSockets();
    const undici = new Pool(server.origin, { connections: 1 });
    pool = createHttpPool({ origins: [server.origin], healthCheck: false, pool: { max: 1 } });
    const postOnReused = async (dispatcher: Dispatcher): Promise<unknown> => {
      await (await request(`${server!.origin}/warm`, { dispatcher })).body.text();
      return request(`${server!.origin}/order`, { dispatcher, method: 'POST', body: 'x' }).then(() => undefined, (caught: unknown) => caught);
    };
    const theirs = await postOnReused(undici);
    const ours = await postOnReused(pool);
    await undici.close();
    expect(theirs).toMatchObject({ name: 'SocketError', code: 'UND_ERR_SOCKET' });
    expect(isHttpPoolError(ours, 'HTTP_STALE_CONNECTION')).toBe(true);
    expect((ours as Error).cause).toMatchObject({ name: 'SocketError', code: 'UND_ERR_SOCKET', message: (theirs as Error).message });
  });

  it('causes no reconnect storm: 10 callers x 5 rounds succeed with at most one new connection per request', async () => {
    server = await killsReusedSockets();
    pool = createHttpPool({ origins: [server.origin], healthCheck: false, pool: { max: 10 } });
    let served = 0;
    for (let round = 0; round < 5; round++) {
      const bodies = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await request(`${server!.origin}/r${round}/${i}`, { dispatcher: pool })).body.text()));
      expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => `GET /r${round}/${i}`));
      served += 10;
    }
    // every request needs a connection the server has not seen a request on; never more than that
    expect(server.connections).toBeLessThanOrEqual(served);
    expect(server.connections).toBeGreaterThanOrEqual(10);
  });

  it('replaces a connection whose idle socket the server closed before reuse, with no error and no retry', async () => {
    let closedByServer = 0;
    server = await startServer((req, res) => {
      res.end('ok');
      // the server closes the keep-alive socket shortly after answering (an idle timeout without a Keep-Alive hint)
      setTimeout(() => req.socket.end(), 30);
      req.socket.once('close', () => closedByServer++);
    });
    pool = createHttpPool({ origins: [server.origin], healthCheck: false });
    expect(await (await request(`${server.origin}/a`, { dispatcher: pool })).body.text()).toBe('ok');
    // closed on both ends: the server's socket closes only after the client closed its side, so the
    // client has seen it (a fixed sleep could end first on a loaded machine, and /b would meet the close)
    await until(() => closedByServer === 1, 5_000, 'the idle connection to close');
    expect(await (await request(`${server.origin}/b`, { dispatcher: pool })).body.text()).toBe('ok');
    expect(server.requests.get('/b')).toBe(1);
    expect(server.connections).toBe(2);
    expect(pool.status()[0]?.pool.totals.destroyed).toBe(1);
  });
});

describe('a new connection dying under its first request (one origin)', () => {
  it('retries an idempotent GET once on the same origin, and fails a POST with undici\'s socket error', async () => {
    let first = true;
    const server = await startServer((req, res) => {
      // the first request ever is cut off (the server crashed mid-request); the rest are served
      if (first) {
        first = false;
        req.socket.destroy();
        return;
      }
      res.end(`${req.method} ${req.url}`);
    });
    const pool = createHttpPool({ origin: server.origin, healthCheck: false, failover: { downAfterFailures: 3 } });
    expect(await (await request(`${server.origin}/get`, { dispatcher: pool })).body.text()).toBe('GET /get');
    expect(server.requests.get('/get')).toBe(2);
    await pool.close();
    // a POST on a new connection (a new pool) that dies: undici's own error, not retried
    first = true;
    const fresh = createHttpPool({ origin: server.origin, healthCheck: false, failover: { downAfterFailures: 3 } });
    const error = await request(`${server.origin}/post`, { dispatcher: fresh, method: 'POST', body: 'x' }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('UND_ERR_SOCKET');
    expect(server.requests.get('/post')).toBe(1);
    await fresh.close();
    await server.close();
  });
});
