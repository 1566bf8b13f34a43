import { inspect } from 'node:util';
import { createPool, isPoolError } from '@pool/core';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPool, httpProvider, isHttpPoolError, redactUrl, type HttpPool } from '../src/index.js';
import { startServer, until, type TestServer } from './helpers/server.js';

const PASSWORD = 'canary-s3cret-pw';

describe('httpProvider', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const serve = async (...args: Parameters<typeof startServer>): Promise<TestServer> => {
    const server = await startServer(...args);
    cleanups.push(() => server.close());
    return server;
  };

  it('pings with HEAD /health by default, on the same keep-alive connection', async () => {
    const server = await serve();
    const provider = httpProvider({ origin: server.origin });
    const connection = await provider.create({ signal: new AbortController().signal });
    cleanups.push(() => connection.destroy());
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(server.requests.get('/health')).toBe(2);
    expect(server.connections).toBe(1);
    expect(connection.broken).toBe(false);
  });

  it('uses the configured path, method and expected status', async () => {
    const seen: string[] = [];
    const server = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(req.url === '/ready' ? 418 : 500).end();
    });
    const provider = httpProvider({ origin: server.origin, healthCheck: { path: '/ready', method: 'GET', expectStatus: [418] } });
    const connection = await provider.create({ signal: new AbortController().signal });
    cleanups.push(() => connection.destroy());
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(seen).toEqual(['GET /ready']);
  });

  it('fails the ping with HTTP_HEALTH_CHECK_FAILED on an unexpected status', async () => {
    const server = await serve((_req, res) => res.writeHead(503).end());
    const provider = httpProvider({ origin: server.origin });
    const connection = await provider.create({ signal: new AbortController().signal });
    cleanups.push(() => connection.destroy());
    const error = await Promise.resolve(provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).catch((caught: unknown) => caught);
    expect(isHttpPoolError(error, 'HTTP_HEALTH_CHECK_FAILED')).toBe(true);
    expect((error as Error).message).toContain('answered 503');
  });

  it('healthCheck: false makes the ping the socket-liveness check (no request)', async () => {
    const server = await serve();
    const provider = httpProvider({ origin: server.origin, healthCheck: false });
    const connection = await provider.create({ signal: new AbortController().signal });
    cleanups.push(() => connection.destroy());
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(server.requests.size).toBe(0);
  });

  it('is broken once the server closes the socket, and the pool replaces it', async () => {
    const server = await serve();
    const provider = httpProvider({ origin: server.origin, healthCheck: false });
    const pool = createPool(provider, { max: 1 });
    cleanups.push(() => pool.close());
    const first = await pool.use(async (connection) => {
      await (await connection.client.request({ method: 'GET', path: '/' })).body.dump();
      return connection;
    });
    await server.kill();
    await until(() => first.broken, 2_000, 'the connection to be broken');
    expect(provider.isBroken!(first)).toBe(true);
    await server.restart();
    const second = await pool.use(async (connection) => connection);
    expect(second).not.toBe(first);
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('is broken once its client is closed or destroyed (a borrower did it), and the pool replaces it', async () => {
    const server = await serve();
    const provider = httpProvider({ origin: server.origin, healthCheck: false });
    for (const end of ['close', 'destroy'] as const) {
      const connection = await provider.create({ signal: AbortSignal.timeout(5_000) });
      cleanups.push(() => connection.destroy());
      await (await connection.client.request({ method: 'GET', path: '/' })).body.dump();
      expect(provider.isBroken!(connection)).toBe(false);
      await connection.client[end]();
      expect(provider.isBroken!(connection), end).toBe(true);
      expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(false);
    }
    // through a pool: a borrower that destroys the client gives back a connection the pool will not reuse
    const pool = createPool(provider, { max: 1 });
    cleanups.push(() => pool.close());
    const first = await pool.use(async (connection) => {
      await connection.client.destroy();
      return connection;
    });
    const second = await pool.use(async (connection) => {
      await (await connection.client.request({ method: 'GET', path: '/after' })).body.dump();
      return connection;
    });
    expect(second).not.toBe(first);
    expect(pool.stats().totals).toMatchObject({ created: 2, destroyed: 1 });
  });

  it('honours the create signal: an abort before the connect finishes rejects with its reason', async () => {
    const server = await serve();
    const provider = httpProvider({ origin: server.origin });
    const controller = new AbortController();
    const creating = provider.create({ signal: controller.signal });
    controller.abort(new Error('create deadline'));
    await expect(creating).rejects.toThrow('create deadline');
  });

  it('rotates connections after maxLifetimeMs, so a new connect (and DNS lookup) happens', async () => {
    const server = await serve();
    // two requests must fit in one lifetime even on a loaded machine; the sleep then outlasts it for sure
    const pool = createHttpPool({ origin: server.origin, healthCheck: false, pool: { maxLifetimeMs: 1_000, maxLifetimeJitter: 0 } });
    cleanups.push(() => pool.close());
    await (await request(`${server.origin}/1`, { dispatcher: pool })).body.dump();
    await (await request(`${server.origin}/2`, { dispatcher: pool })).body.dump();
    expect(server.connections).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await (await request(`${server.origin}/3`, { dispatcher: pool })).body.dump();
    await (await request(`${server.origin}/4`, { dispatcher: pool })).body.dump();
    expect(server.connections).toBe(2);
  });

  it('rejects bad options with POOL_INVALID_OPTION naming the option', () => {
    const cases: [() => unknown, string][] = [
      [() => httpProvider({ origin: 'ftp://x' }), 'origin'],
      [() => httpProvider({ origin: 'http://127.0.0.1:1/path' }), 'origin'],
      [() => httpProvider({ origin: 'http://127.0.0.1:1', pipelining: 0 }), 'pipelining'],
      [() => httpProvider({ origin: 'http://127.0.0.1:1', healthCheck: { path: 'health' } }), 'healthCheck.path'],
      [() => httpProvider({ origin: 'http://127.0.0.1:1', bogus: 1 } as never), 'bogus'],
      [() => createHttpPool({ origins: [] }), 'origins'],
      [() => createHttpPool({ origins: ['http://127.0.0.1:1', 'http://127.0.0.1:1'] }), 'origins[1]'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', failover: { downAfterFailures: 0 } }), 'failover.downAfterFailures'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', pool: { max: -1 } }), 'max'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', pool: 5 as never }), 'pool'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', connect: 'tls' as never }), 'connect'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', client: [] as never }), 'client'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', retryIdempotnet: false } as never), 'retryIdempotnet'],
      [() => createHttpPool({ origin: 'http://127.0.0.1:1', failovr: {} } as never), 'failovr'],
      [() => createHttpPool({ origin: 'not a url' }), 'origin'],
    ];
    for (const [make, option] of cases) {
      let caught: unknown;
      try {
        make();
      } catch (error) {
        caught = error;
      }
      expect(isPoolError(caught, 'POOL_INVALID_OPTION'), `${option}: ${String(caught)}`).toBe(true);
      expect((caught as { option: string }).option).toBe(option);
    }
  });

  it('an option written for undici\'s Pool at the top level is refused with where it goes here', () => {
    const cases = [
      ['connections', '`pool: { max }`'],
      ['clientTtl', '`pool: { maxLifetimeMs }`'],
      ['headersTimeout', '`client: { headersTimeout }`'],
      ['connectTimeout', '`client: { connectTimeout }`'],
      ['keepAliveTimeout', '`client: { keepAliveTimeout }`'],
    ] as const;
    for (const [key, where] of cases) {
      let caught: unknown;
      try {
        createHttpPool({ origin: 'http://127.0.0.1:1', [key]: 1 } as never);
      } catch (error) {
        caught = error;
      }
      expect(isPoolError(caught, 'POOL_INVALID_OPTION')).toBe(true);
      expect((caught as { option?: unknown }).option).toBe(key);
      expect((caught as Error).message).toContain(where);
    }
  });

  it('a typo of a pool-level key is answered with "did you mean" the pool-level key', () => {
    for (const [key, near] of [['retryIdempotnet', 'retryIdempotent'], ['failovr', 'failover'], ['orgins', 'origins'], ['pipelinning', 'pipelining']] as const) {
      let caught: unknown;
      try {
        createHttpPool({ origin: 'http://127.0.0.1:1', [key]: 1 } as never);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).message).toContain(`did you mean \`${near}\``);
    }
  });
});

describe('credentials in the origin (rows 27, 35)', () => {
  let pool: HttpPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('sends Basic auth from user:pass@ and never prints the password', async () => {
    const server = await startServer();
    const origin = `http://alice:${PASSWORD}@127.0.0.1:${server.port}`;
    pool = createHttpPool({ origin });
    const res = await request(`http://127.0.0.1:${server.port}/me`, { dispatcher: pool });
    const body = (await res.body.json()) as { authorization: string };
    expect(body.authorization).toBe(`Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    const printed = JSON.stringify(pool.status()) + pool.status().map((status) => status.origin).join(' ');
    expect(printed).toContain('alice:***@');
    expect(printed).not.toContain(PASSWORD);
    // util.inspect of the pool shows neither the password nor the Basic header it is sent in (base64 is no secret-keeping)
    const inspected = inspect(pool, { depth: 12 });
    expect(inspected).not.toContain(PASSWORD);
    expect(inspected).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString('base64'));
    await pool.close();
    await server.close();
  });

  it('keeps the password out of errors: bad origin, refused connects, no origin available', async () => {
    const messages: string[] = [];
    const collect = (error: unknown) => {
      for (let current = error; current instanceof Error; current = current.cause) messages.push(String(current.message), String(current.stack));
    };
    try {
      httpProvider({ origin: `http://bob:${PASSWORD}@127.0.0.1:1/path` });
    } catch (error) {
      collect(error);
    }
    const dead = await startServer();
    const port = dead.port;
    await dead.close();
    pool = createHttpPool({ origin: `http://bob:${PASSWORD}@127.0.0.1:${port}`, failover: { downAfterFailures: 1 }, pool: { acquireTimeoutMs: 500 } });
    const changes: unknown[] = [];
    pool.onOriginChange((change) => changes.push(change));
    for (let i = 0; i < 2; i++) await request(`http://127.0.0.1:${port}/`, { dispatcher: pool }).catch(collect);
    for (const status of pool.status()) messages.push(status.origin, String((status.lastError as Error | undefined)?.message));
    messages.push(JSON.stringify(changes, (_key, value: unknown) => (value instanceof Error ? value.message : value)));
    expect(messages.length).toBeGreaterThan(4);
    expect(messages.join('\n')).not.toContain(PASSWORD);
    expect(messages.join('\n')).toContain('bob:***@');
    expect(redactUrl(`see http://u:${PASSWORD}@h:1/x`)).toBe('see http://u:***@h:1/x');
  });
});
