import { isPoolError, PoolTimeoutError } from '@pool/core';
import { requireService } from '@pool/testkit';
import { ReplyError, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, type RedisPool } from '../src/index.js';
import { clientsNamed, type PrivateRedis, redisServerBinary, redisUrl, startPrivateRedis, suiteAdmin, uniqueName, uniquePrefix, waitFor } from './helpers.js';

const svc = await requireService('redis');
const prefix = uniquePrefix('callfaults');

describe.skipIf(!svc.available)('every error of a call has a stable code; a command is retried only when it was never sent', () => {
  const admin = suiteAdmin(prefix);

  it('a Redis error reply keeps its class (ReplyError) and gets its prefix as code', async () => {
    const redis = createRedisPool({ url: redisUrl(), pool: { max: 1 } });
    try {
      await redis.call('SET', [`${prefix}str`, 'x']);
      const error = await redis.call('LPUSH', [`${prefix}str`, 'y']).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ReplyError);
      expect((error as { code?: string }).code).toBe('WRONGTYPE');
      expect(redis.stats().totals.destroyed).toBe(0); // a reply error leaves the connection in sync
    } finally {
      await redis.end();
    }
  });

  it('a connection killed during BLPOP: "Connection is closed." with code POOL_CONNECTION_LOST, and no retry (it may have run)', async () => {
    const name = uniqueName('killed');
    const redis = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 2 } });
    try {
      const blocked = redis.blpop(`${prefix}never`, 10).catch((caught: unknown) => caught);
      await waitFor(async () => (await clientsNamed(admin, name)).some((row) => row.flags?.includes('b')), 5_000, 'BLPOP to block');
      const [row] = await clientsNamed(admin, name);
      await admin.client('KILL', 'ID', row!.id!);
      const error = await blocked;
      expect((error as Error).message).toBe('Connection is closed.');
      expect((error as { code?: string }).code).toBe('POOL_CONNECTION_LOST');
      expect(redis.stats().totals.acquired).toBe(1); // not sent again
      expect(redis.stats().totals.created).toBe(1);
    } finally {
      await redis.end();
    }
  });

  it('a connection closed while idle is never lent (isBroken on every lend, validation off): the call gets a fresh one', async () => {
    const name = uniqueName('lend');
    const redis = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 2, validateAfterIdleMs: Infinity } });
    try {
      const idle = await redis.withConnection((client) => client);
      const [row] = await clientsNamed(admin, name);
      await admin.client('KILL', 'ID', row!.id!);
      await waitFor(() => idle.status === 'end', 2_000, 'the idle client to see the kill');
      expect(await redis.call('PING')).toBe('PONG');
      const totals = redis.stats().totals;
      expect(totals.created).toBe(2);
      expect(totals.acquired).toBe(2); // no retry was needed: the dead one was never handed out
      expect(totals.destroyed).toBe(1);
    } finally {
      await redis.end();
    }
  });

  it('a connection whose socket closed before the write: the command is sent once more, on another connection', async () => {
    const redis = createRedisPool({ url: redisUrl(), pool: { max: 2, validateAfterIdleMs: Infinity } });
    try {
      await redis.call('SET', [`${prefix}retry`, 'value-1']);
      // the socket goes between the lend and the write (status still 'ready' until its 'close'
      // event): ioredis would refuse to write. (A socket already gone at release or lend is caught
      // there and never lent: see reset.test.ts.)
      const breakOnce = ({ resource }: { resource: unknown }) => {
        redis.pool.off('acquire', breakOnce);
        (resource as { stream: { destroy(): void } }).stream.destroy();
      };
      redis.pool.on('acquire', breakOnce);
      const before = redis.stats().totals;
      expect(await redis.call('GET', [`${prefix}retry`])).toBe('value-1');
      const after = redis.stats().totals;
      expect(after.acquired - before.acquired).toBe(2);
      expect(after.created - before.created).toBe(1);
      await waitFor(() => redis.stats().totals.destroyed === 1, 2_000, 'the dead connection to be destroyed');
    } finally {
      await redis.end();
    }
  });
});

const binary = redisServerBinary();
describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('per-call deadline against a frozen private redis-server (SIGSTOP)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function warmPool(queryTimeoutMs?: number): Promise<RedisPool> {
    const redis = createRedisPool({ host: '127.0.0.1', port: server.port, ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}), pool: { max: 2, min: 0, validateAfterIdleMs: Infinity } });
    await redis.call('PING');
    return redis;
  }

  async function frozen<T>(fn: () => Promise<T>): Promise<T> {
    server.freeze();
    try {
      return await fn();
    } finally {
      server.thaw();
    }
  }

  async function timed(call: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
    const started = performance.now();
    const error = await call.then(() => undefined, (caught: unknown) => caught);
    return { error, ms: performance.now() - started };
  }

  it('a command past queryTimeoutMs: POOL_TIMEOUT phase query by its deadline; the connection is destroyed, never reused', async () => {
    const redis = await warmPool(400);
    try {
      const { error, ms } = await frozen(() => timed(redis.call('GET', [`${prefix}x`])));
      expect(error).toBeInstanceOf(PoolTimeoutError);
      expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
      expect((error as PoolTimeoutError).phase).toBe('query');
      expect(ms).toBeGreaterThanOrEqual(390);
      expect(ms).toBeLessThan(3_000);
      expect(redis.stats().totals.destroyed).toBe(1);
      expect(redis.stats().size).toBe(0);
      expect(await redis.call('PING')).toBe('PONG'); // thawed: a fresh connection serves
    } finally {
      await redis.end();
    }
  });

  it('the default is finite (10 s) and a call overrides it; withConnection and transaction have it too', async () => {
    const redis = await warmPool();
    expect(redis.queryTimeoutMs).toBe(10_000);
    try {
      const call = await frozen(() => timed(redis.withConnection((client) => client.get('k'), { queryTimeoutMs: 300 })));
      expect((call.error as PoolTimeoutError).phase).toBe('query');
      expect(call.ms).toBeLessThan(3_000);
      await redis.call('PING');
      const tx = await frozen(() => timed(redis.transaction((multi) => void multi.set(`${prefix}t`, '1'), { queryTimeoutMs: 300 })));
      expect((tx.error as PoolTimeoutError).phase).toBe('query');
    } finally {
      await redis.end();
    }
  });

  it('an AbortSignal cuts a call sooner: POOL_ABORTED, connection destroyed', async () => {
    const redis = await warmPool(5_000);
    try {
      const { error, ms } = await frozen(() => timed(redis.call('GET', ['k'], { signal: AbortSignal.timeout(300) })));
      expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
      expect(ms).toBeLessThan(3_000);
      await waitFor(() => redis.stats().size === 0, 2_000, 'the aborted connection to be destroyed');
    } finally {
      await redis.end();
    }
  });

  it('BLPOP gets its server timeout plus the margin: a legitimate block is never cut, a frozen server is', async () => {
    const redis = await warmPool(300);
    try {
      const { error, ms } = await timed(redis.blpop(`${prefix}empty`, 1).then((value) => {
        expect(value).toBeNull();
      }));
      expect(error).toBeUndefined();
      expect(ms).toBeGreaterThanOrEqual(900);
      const stuck = await frozen(() => timed(redis.blpop(`${prefix}empty`, 1)));
      expect((stuck.error as PoolTimeoutError).phase).toBe('query');
      expect(stuck.ms).toBeGreaterThanOrEqual(1_250);
      expect(stuck.ms).toBeLessThan(4_000);
    } finally {
      await redis.end();
    }
  });
});

