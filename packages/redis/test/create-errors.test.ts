import { requireService } from '@pool/testkit';
import { Redis, ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyRedisCreateError, createRedisPool, isPoolError, isRedisPoolError, redisProvider } from '../src/index.js';
import { adminClient, redisAddress, redisServerBinary, redisUrl, startPrivateRedis, type PrivateRedis } from './helpers.js';

const svc = await requireService('redis');
const never = new AbortController().signal;
const reply = (message: string) => new ReplyError(message);
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

describe('classifyCreateError: what a failed connect means for the callers', () => {
  it.each([
    ['WRONGPASS invalid username-password pair or user is disabled.'],
    ['NOAUTH Authentication required.'],
    ["NOPERM User alice has no permissions to run the 'client|setname' command"],
    ["ERR unknown command 'HELLO', with args beginning with: '3'"],
    ['ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?'],
    ['ERR Client sent AUTH, but no password is set'],
    ['ERR DB index is out of range'],
    ["ERR wrong number of arguments for 'auth' command"],
  ])('permanent: %s', (message) => {
    expect(classifyRedisCreateError(reply(message))).toBe('permanent');
  });

  it.each([
    ['LOADING Redis is loading the dataset in memory'],
    ['MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.'],
  ])('transient: %s', (message) => {
    expect(classifyRedisCreateError(reply(message))).toBe('transient');
  });

  it.each([['ERR max number of clients reached'], ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.']])("busy (up, but no room: retried at @pool/core's paced backoff): %s", (message) => {
    expect(classifyRedisCreateError(reply(message))).toBe('busy');
  });

  it('socket errors are transient, TLS verification failures permanent, also as the cause of REDIS_CONNECT_FAILED', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT']) expect(classifyRedisCreateError(socketError(code))).toBe('transient');
    // a socket dropped in the handshake: what a server at max clients looks like to ioredis
    for (const code of ['ECONNRESET', 'EPIPE']) expect(classifyRedisCreateError(socketError(code))).toBe('busy');
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      expect(classifyRedisCreateError(socketError(code))).toBe('permanent');
      expect(classifyRedisCreateError(new Error('could not connect', { cause: socketError(code) }))).toBe('permanent');
    }
    expect(classifyRedisCreateError(new Error('could not connect', { cause: reply('WRONGPASS invalid username-password pair') }))).toBe('permanent');
    expect(classifyRedisCreateError(new Error('something else'))).toBe('transient');
  });
});

describe('against real servers', () => {
  it('a closed port: REDIS_CONNECT_FAILED with ECONNREFUSED as cause, transient', async () => {
    const provider = redisProvider({ host: '127.0.0.1', port: 1 });
    const error = await provider.create({ signal: never }).catch((caught: unknown) => caught);
    expect(isRedisPoolError(error, 'REDIS_CONNECT_FAILED')).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(provider.classifyCreateError?.(error)).toBe('transient');
  });

  it.skipIf(!svc.available)('a db the server does not have: ioredis carries on in db 0 (an error event only); the pool fails the connect, permanent, and lends no connection on db 0', async () => {
    const admin = adminClient();
    try {
      const [, count] = (await admin.config('GET', 'databases')) as [string, string];
      const db = Number(count); // one past the last database: SELECT is refused
      // side by side: a plain ioredis client configured for that db
      const events: Error[] = [];
      const other = new Redis({ ...redisAddress(), db, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      other.on('error', (error: Error) => events.push(error));
      try {
        await other.connect();
        expect(String(await other.client('INFO'))).toContain(' db=0 ');
        expect(events.map((error) => error.message)).toEqual(['ERR DB index is out of range']);
      } finally {
        other.disconnect();
      }
      const pool = createRedisPool({ url: redisUrl(), db, pool: { max: 1, acquireTimeoutMs: 5_000 } });
      pool.pool.on('error', () => undefined);
      try {
        const started = performance.now();
        const error = await pool.call('CLIENT', ['INFO']).catch((caught: unknown) => caught);
        expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
        const cause = (error as Error).cause;
        expect(isRedisPoolError(cause, 'REDIS_CONNECT_FAILED')).toBe(true);
        expect((cause as Error).message).toContain(`SELECT ${db} failed: ERR DB index is out of range`);
        expect(pool.provider.classifyCreateError?.(cause)).toBe('permanent');
        expect(performance.now() - started).toBeLessThan(2_000); // permanent: not retried until the deadline
        expect(pool.stats().totals.created).toBe(0);
      } finally {
        await pool.end();
      }
    } finally {
      admin.disconnect();
    }
  });

  const binary = redisServerBinary();
  describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('private redis-servers', () => {
    let guarded: PrivateRedis;
    let crowded: PrivateRedis;
    beforeAll(async () => {
      guarded = await startPrivateRedis(['--requirepass', 'the-right-one'], 'the-right-one');
      crowded = await startPrivateRedis(['--maxclients', '1']);
    });
    afterAll(async () => {
      await guarded?.stop();
      await crowded?.stop();
    });

    it('a wrong password: permanent, the driver ReplyError (code WRONGPASS) as cause, the password nowhere', async () => {
      const canary = `canary-${Math.random().toString(36).slice(2)}`;
      const provider = redisProvider({ url: `redis://default:${canary}@127.0.0.1:${guarded.port}` });
      const error = await provider.create({ signal: never }).catch((caught: unknown) => caught);
      expect(provider.classifyCreateError?.(error)).toBe('permanent');
      const cause = (error as Error).cause as Error & { code?: string; command?: { args?: string[] } };
      expect(cause).toBeInstanceOf(ReplyError);
      expect(cause.code).toBe('WRONGPASS');
      expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: { ...cause, message: cause.message, stack: cause.stack } })).not.toContain(canary);
    });

    it('through the pool: a wrong password reaches the caller at once (not at acquireTimeoutMs), the driver error in the cause chain', async () => {
      const redis = createRedisPool({ url: `redis://default:wrong-one@127.0.0.1:${guarded.port}`, pool: { max: 2, acquireTimeoutMs: 8_000 } });
      try {
        const started = performance.now();
        const error = await redis.call('PING').catch((caught: unknown) => caught);
        expect(performance.now() - started).toBeLessThan(4_000);
        expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
        const connect = (error as Error).cause;
        expect(isRedisPoolError(connect, 'REDIS_CONNECT_FAILED')).toBe(true);
        expect(((connect as Error).cause as { code?: string }).code).toBe('WRONGPASS');
        expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain('wrong-one');
      } finally {
        await redis.end();
      }
    });

    it('no password against requirepass: NOAUTH, permanent', async () => {
      const provider = redisProvider({ host: '127.0.0.1', port: guarded.port });
      const error = await provider.create({ signal: never }).catch((caught: unknown) => caught);
      expect(String((error as Error).message)).toMatch(/NOAUTH/);
      expect(provider.classifyCreateError?.(error)).toBe('permanent');
    });

    it('max clients reached: busy, retried at a paced backoff (a retry succeeds once a client leaves)', async () => {
      const provider = redisProvider({ host: '127.0.0.1', port: crowded.port });
      const first: Redis = await provider.create({ signal: never });
      try {
        const error = await provider.create({ signal: never }).catch((caught: unknown) => caught);
        // the server writes "-ERR max number of clients reached" and closes: ioredis sees the reply or the closed socket first
        expect(String((error as Error).message)).toMatch(/max number of clients|EPIPE|ECONNRESET|Connection is closed/);
        expect(provider.classifyCreateError?.(error)).toBe('busy');
      } finally {
        await provider.destroy?.(first);
      }
      const second = await provider.create({ signal: never });
      await provider.destroy?.(second);
    });
  });
});
