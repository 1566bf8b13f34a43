import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import { Redis, ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { type PrivateRedis, redisServerBinary, startPrivateRedis, waitFor } from './helpers.js';

const svc = await requireService('redis');
const binary = redisServerBinary();

/**
 * Server states a plain ioredis client meets as an error reply on the connection it has (a long
 * script: BUSY; an ACL user without +ping: NOPERM). The validation PING meets them too: the server
 * answered on that connection, so it is alive and kept, and the caller sees what ioredis shows.
 */
describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('server states answered on a live connection (private redis-server)', () => {
  let server: PrivateRedis;
  let admin: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis(['--busy-reply-threshold', '100']);
    admin = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('a script past busy-reply-threshold: the call gets BUSY at once as on a plain client, SCRIPT KILL goes through the pool, no connection is replaced', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const plain = new Redis(url, { maxRetriesPerRequest: 1 });
    const scripter = new Redis(url, { maxRetriesPerRequest: 1 });
    // every lend validates (PING), as one after validateAfterIdleMs of idleness does
    const redis = createRedisPool({ url, pool: { max: 2, validateAfterIdleMs: 0, acquireTimeoutMs: 3_000 } });
    try {
      await Promise.all([plain.ping(), redis.call('PING')]);
      const script = scripter.eval('while true do end', 0).catch((caught: unknown) => caught);
      await waitFor(async () => (await plain.get('k').then(() => '', (error: Error) => error.message)).startsWith('BUSY'), 5_000, 'the script to make the server BUSY');
      const [fromPlain, fromPool] = await Promise.all([plain.get('k').catch((e: unknown) => e), redis.call('GET', ['k']).catch((e: unknown) => e)]);
      expect(fromPlain).toBeInstanceOf(ReplyError);
      expect(fromPool).toBeInstanceOf(ReplyError);
      expect((fromPool as Error).message).toBe((fromPlain as Error).message);
      expect((fromPool as { code?: string }).code).toBe('BUSY');
      // the remedy the message names works through the pool
      expect(await redis.call('SCRIPT', ['KILL'])).toBe('OK');
      expect(String(((await script) as Error).message)).toMatch(/killed/i);
      expect(await redis.call('PING')).toBe('PONG');
      const { totals } = redis.stats();
      expect(totals).toMatchObject({ created: 1, destroyed: 0, validationFailures: 0, createErrors: 0 });
    } finally {
      await admin.call('SCRIPT', 'KILL').catch(() => undefined);
      await redis.end();
      plain.disconnect();
      scripter.disconnect();
    }
  });

  it('an ACL user without +ping (least privilege): validation keeps its connections instead of reconnecting on every lend', async () => {
    await admin.call('ACL', 'SETUSER', 'worker', 'reset', 'on', '>worker-pass', '~*', '+get', '+set', '+blpop', '+lpush');
    const redis = createRedisPool({ url: `redis://worker:worker-pass@127.0.0.1:${server.port}`, pool: { max: 1, validateAfterIdleMs: 0 } });
    try {
      const error = await redis.withConnection((client) => client.ping()).catch((caught: unknown) => caught);
      expect((error as { code?: string }).code).toBe('NOPERM'); // what the same user's plain client gets
      for (let i = 0; i < 5; i++) await redis.call('SET', ['acl:k', String(i)]);
      expect(await redis.call('GET', ['acl:k'])).toBe('4');
      expect(redis.stats().totals).toMatchObject({ created: 1, destroyed: 0, validationFailures: 0 });
    } finally {
      await redis.end();
    }
  });

  it('a password rotated on the server (requirepass changed; open sessions stay authenticated): callers wait for the open connections, as on a plain client; with none left it fails at once', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const plain = new Redis(url, { maxRetriesPerRequest: 1 });
    plain.on('error', () => undefined); // it reconnects after the kill below, refused
    const redis = createRedisPool({ url, clientName: 'rotated', pool: { max: 10, acquireTimeoutMs: 5_000 } });
    redis.pool.on('error', () => undefined);
    const clients = new Set<Redis>();
    const hold = (ms: number) => redis.withConnection(async (client) => {
      clients.add(client);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return client.ping();
    });
    try {
      await Promise.all([hold(50), hold(50), plain.ping()]);
      expect(redis.stats().size).toBe(2);
      await admin.call('CONFIG', 'SET', 'requirepass', 'rotated-pass');
      const [fromPool, fromPlain] = await Promise.all([
        Promise.allSettled(Array.from({ length: 6 }, () => hold(20))),
        Promise.allSettled(Array.from({ length: 6 }, () => plain.ping())),
      ]);
      expect(fromPlain.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
      expect(fromPool.map((r) => (r.status === 'fulfilled' ? 'fulfilled' : String((r.reason as Error).message)))).toEqual(Array(6).fill('fulfilled'));
      // no session left: the refusal is permanent again, and reaches the caller at once
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await waitFor(() => [...clients].every((client) => client.status === 'end'), 5_000, 'the pool to see its connections closed');
      const started = performance.now();
      const error = await redis.call('PING').catch((caught: unknown) => caught);
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
      expect(String((error as Error).message)).toMatch(/NOAUTH|WRONGPASS/);
    } finally {
      await admin.call('CONFIG', 'SET', 'requirepass', '');
      plain.disconnect();
      await redis.end();
    }
  });

  it('server `timeout` (idle clients closed): the next call succeeds; inside withConnection an idle pause past it loses the connection, where a plain client reconnects (README: differences)', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const plain = new Redis(url, { maxRetriesPerRequest: 1 });
    plain.on('error', () => undefined);
    let plainClosed = false;
    plain.on('close', () => (plainClosed = true));
    const redis = createRedisPool({ url, pool: { max: 1, validateAfterIdleMs: Infinity } });
    await admin.call('CONFIG', 'SET', 'timeout', '1');
    try {
      await Promise.all([plain.set('idle:k', 'v'), redis.call('PING')]);
      const lent = await redis.withConnection((client) => client);
      await waitFor(() => lent.status === 'end' && plainClosed, 10_000, 'the server to close both idle connections');
      // the pool never lends the closed connection: the next call gets a new one
      expect(await redis.call('GET', ['idle:k'])).toBe('v');
      expect(await plain.get('idle:k')).toBe('v');
      const error = await redis.withConnection(async (client) => {
        await waitFor(() => client.status === 'end', 10_000, 'the server to close the held connection');
        return client.get('idle:k');
      }).catch((caught: unknown) => caught);
      expect((error as Error).message).toBe('Connection is closed.');
      expect((error as { code?: string }).code).toBe('POOL_CONNECTION_LOST');
      expect(await redis.call('GET', ['idle:k'])).toBe('v'); // and that connection was replaced
    } finally {
      await admin.call('CONFIG', 'SET', 'timeout', '0');
      plain.disconnect();
      await redis.end();
    }
  });

  it('OOM (maxmemory, noeviction), EXECABORT and WRONGTYPE: the same ReplyError as a plain client, the connection kept, the next borrower fine', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const plain = new Redis(url, { maxRetriesPerRequest: 1 });
    const redis = createRedisPool({ url, pool: { max: 1 } });
    try {
      await Promise.all([plain.set('str:k', 'v'), redis.call('PING')]);
      await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await admin.call('CONFIG', 'SET', 'maxmemory', '1');
      const sameAsPlain = async (run: (client: Redis) => Promise<unknown>) => {
        const [fromPlain, fromPool] = await Promise.all([run(plain).catch((e: unknown) => e), redis.withConnection(run).catch((e: unknown) => e)]);
        expect(fromPool).toBeInstanceOf(ReplyError);
        expect((fromPool as Error).message).toBe((fromPlain as Error).message);
        return (fromPool as { code?: string }).code;
      };
      expect(await sameAsPlain((client) => client.set('oom:k', 'x'.repeat(1_000)))).toBe('OOM');
      expect(await sameAsPlain((client) => client.multi().set('oom:k', 'x').exec())).toBe('EXECABORT');
      await admin.call('CONFIG', 'SET', 'maxmemory', '0');
      expect(await sameAsPlain((client) => client.lpush('str:k', 'y'))).toBe('WRONGTYPE');
      expect(await redis.withConnection(async (client) => [await client.get('str:k'), await client.call('CLIENT', 'INFO')])).toEqual(['v', expect.not.stringMatching(/flags=\S*x/)]); // not in MULTI
      expect(redis.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
    } finally {
      await admin.call('CONFIG', 'SET', 'maxmemory', '0');
      plain.disconnect();
      await redis.end();
    }
  });
});
