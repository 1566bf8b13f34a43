import { once } from 'node:events';
import { inspect } from 'node:util';
import { requireService } from '@pool/testkit';
import { Redis, ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { redisServerBinary, redisUrl, startPrivateRedis, uniqueName, waitFor, type PrivateRedis } from './helpers.js';

const svc = await requireService('redis');
const binary = redisServerBinary();
const noauth = new ReplyError('NOAUTH Authentication required.');

/** A borrower's own reconnect: `disconnect()`, wait for the close, `connect()` again (as on a plain client). */
async function reconnect(client: Redis): Promise<void> {
  const ended = once(client, 'end');
  client.disconnect();
  await ended;
  await client.connect();
}

/**
 * The provider counts the connections with a live session: a credentials refusal while one is open
 * is a rotated password (`'busy'`: the callers wait for those sessions), with none it is permanent.
 * A borrower's `disconnect()`/`connect()` used to take the connection out of the count for good.
 */
describe.skipIf(!svc.available)('the count of open connections through a borrower\'s disconnect/connect/quit and the pool\'s destroy', () => {
  it('classifies an auth refusal by the sessions really open after each step', async () => {
    const name = uniqueName('opencount');
    const redis = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 2 } });
    const kind = () => redis.provider.classifyCreateError?.(noauth);
    try {
      expect(kind()).toBe('permanent');
      await redis.withConnection(async (client) => {
        expect(kind()).toBe('busy');
        const ended = once(client, 'end');
        client.disconnect();
        await ended;
        expect(kind()).toBe('permanent'); // nothing open now
        await client.connect();
        expect(kind()).toBe('busy'); // open again
        await reconnect(client);
        await reconnect(client);
        expect(kind()).toBe('busy');
      });
      // the reconnected connection is kept (after its reset) and counted
      await waitFor(() => redis.stats().idle === 1, 5_000, 'the release to finish');
      expect(redis.stats()).toMatchObject({ size: 1, totals: { destroyed: 0 } });
      expect(kind()).toBe('busy');
      // a second connection next to it; the first one's borrower quits
      await Promise.all([
        redis.withConnection(async (client) => {
          await reconnect(client);
          await client.quit();
          await waitFor(() => client.status === 'end', 5_000, 'the quit connection to end');
        }),
        redis.withConnection((client) => client.ping()),
      ]);
      expect(redis.stats().size).toBe(1); // the quit one was destroyed on release
      expect(kind()).toBe('busy');
      // the pool's destroy: a reconnected connection evicted, then every connection gone at end()
      const evicted = await redis.withConnection(async (client) => {
        await reconnect(client);
        return client;
      });
      expect(kind()).toBe('busy');
      redis.pool.evictAll();
      await waitFor(() => evicted.status === 'end', 5_000, 'the evicted connection to close');
      expect(redis.stats().size).toBe(0);
      expect(kind()).toBe('permanent');
      await redis.withConnection(reconnect);
      expect(kind()).toBe('busy');
    } finally {
      await redis.end();
    }
    expect(kind()).toBe('permanent');
  });
});

describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('a rotated password after a borrower reconnected its connection (private redis-server)', () => {
  let server: PrivateRedis;
  let serverAdmin: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis();
    serverAdmin = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    serverAdmin?.disconnect();
    await server?.stop();
  });

  it('a caller that needs a new connection waits for the reconnected one instead of failing at once; with it gone the refusal is permanent again', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const redis = createRedisPool({ url, clientName: 'reconnected', pool: { max: 2, acquireTimeoutMs: 5_000 } });
    redis.pool.on('error', () => undefined);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reconnected!: () => void;
    const ready = new Promise<void>((resolve) => (reconnected = resolve));
    try {
      const holder = redis.withConnection(async (client) => {
        await reconnect(client);
        reconnected();
        await released;
        return client.ping();
      });
      await ready;
      await serverAdmin.call('CONFIG', 'SET', 'requirepass', 'rotated-pass');
      // needs a second connection: the connect is refused (NOAUTH), but a session is open
      const waiting = redis.call('PING').then((pong) => pong, (error: unknown) => error);
      const early = await Promise.race([waiting, new Promise((resolve) => setTimeout(resolve, 300, 'still waiting'))]);
      release();
      expect(early).toBe('still waiting');
      expect(await holder).toBe('PONG');
      expect(await waiting).toBe('PONG'); // served by the reconnected connection
      // no session left: permanent, at once
      await serverAdmin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      redis.pool.evictAll();
      const error = await redis.call('PING').catch((caught: unknown) => caught);
      expect(String((error as Error).message)).toMatch(/NOAUTH|WRONGPASS/);
      expect((error as { code?: string }).code).toBe('POOL_CREATE_FAILED');
    } finally {
      await serverAdmin.call('CONFIG', 'SET', 'requirepass', '');
      await redis.end();
    }
  });
});

describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('a reconnected connection on release (private redis-server with a password)', () => {
  const password = 'reconnect-secret-9d1';
  let server: PrivateRedis;
  let serverAdmin: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis(['--requirepass', password], password);
    serverAdmin = new Redis({ host: '127.0.0.1', port: server.port, password, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    serverAdmin?.disconnect();
    await server?.stop();
  });

  it("the password stays out of util.inspect of a client its borrower reconnected (ioredis rebuilds the AUTH arguments it keeps)", async () => {
    const redis = createRedisPool({ url: `redis://:${password}@127.0.0.1:${server.port}/3`, clientName: 'inspected', pool: { max: 1 } });
    try {
      const text = await redis.withConnection(async (client) => {
        expect(inspect(client, { depth: 4 })).not.toContain(password);
        await reconnect(client);
        return inspect(client, { depth: 4 });
      });
      expect(text).not.toContain(password);
      expect(inspect(redis, { depth: 6 })).not.toContain(password);
    } finally {
      await redis.end();
    }
  });

  it("the password stays out of util.inspect of a client whose borrower's reconnect did not get to 'ready' (refused by a rotated password), and from the moment connect() is called", async () => {
    const redis = createRedisPool({ url: `redis://:${password}@127.0.0.1:${server.port}/3`, clientName: 'inspected-failed', pool: { max: 1 } });
    redis.pool.on('error', () => undefined);
    try {
      const texts = await redis.withConnection(async (client) => {
        client.on('error', () => undefined);
        const ended = once(client, 'end');
        client.disconnect();
        await ended;
        await serverAdmin.call('CONFIG', 'SET', 'requirepass', 'rotated-while-away');
        const connecting = client.connect().then(() => 'connected', (error: unknown) => String(error));
        const atCall = inspect(client, { depth: 4 }); // ioredis rebuilt its AUTH arguments inside connect()
        const outcome = await connecting;
        await waitFor(() => client.status === 'end', 5_000, 'the refused reconnect to end');
        return { outcome, atCall, afterRefusal: inspect(client, { depth: 4 }) };
      });
      expect(texts.outcome).not.toBe('connected');
      expect(texts.afterRefusal).not.toContain(password);
      expect(texts.atCall).not.toContain(password);
    } finally {
      await serverAdmin.call('CONFIG', 'SET', 'requirepass', password);
      await redis.end();
    }
  });

  it("with username: '' (ioredis then sends AUTH <password>), a reconnected connection is kept on release as with no username", async () => {
    const redis = createRedisPool({ url: `redis://127.0.0.1:${server.port}/3`, username: '', password, clientName: 'empty-user', pool: { max: 1 } });
    try {
      await redis.withConnection(reconnect);
      await waitFor(() => redis.stats().idle === 1, 5_000, 'the release to finish');
      expect(redis.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
      expect(await redis.call('PING')).toBe('PONG');
    } finally {
      await redis.end();
    }
  });

  it("a borrower's SELECT and CLIENT SETNAME before its reconnect are undone on release, the connection is reused, and the next borrower is authenticated in the configured db, as a plain client that selected back would be", async () => {
    const redis = createRedisPool({ url: `redis://:${password}@127.0.0.1:${server.port}/3`, clientName: 'configured', pool: { max: 1 } });
    const session = (client: Redis) => client.client('INFO').then((info) => ({
      db: /\bdb=(\d+)/.exec(String(info))?.[1],
      name: /\bname=(\S*)/.exec(String(info))?.[1],
      id: /\bid=(\d+)/.exec(String(info))?.[1],
    }));
    try {
      const during = await redis.withConnection(async (client) => {
        await client.select(5);
        await client.client('SETNAME', 'borrowers-own');
        await reconnect(client);
        // ioredis re-selects the db it tracked (the borrower's) and sets the configured name (options.connectionName)
        return session(client);
      });
      // a plain ioredis client with the same settings, through the same steps
      const plain = new Redis({ host: '127.0.0.1', port: server.port, password, db: 3, connectionName: 'configured', lazyConnect: true });
      try {
        await plain.connect();
        await plain.select(5);
        await plain.client('SETNAME', 'borrowers-own');
        await reconnect(plain);
        const { db, name } = await session(plain);
        expect({ db: during.db, name: during.name }).toEqual({ db, name });
      } finally {
        plain.disconnect();
      }
      expect({ db: during.db, name: during.name }).toEqual({ db: '5', name: 'configured' });
      const after = await redis.withConnection(async (client) => ({ ...(await session(client)), select: client.condition?.select, status: client.status }));
      expect(after).toEqual({ db: '3', name: 'configured', id: during.id, select: 3, status: 'ready' });
      expect(redis.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
    } finally {
      await redis.end();
    }
  });
});
