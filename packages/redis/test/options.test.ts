import { tracingChannel } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { isPoolError } from '@pool/core';
import { type CallTraceContext } from '@pool/core/adapter-kit';
import { requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, redisProvider, type RedisPool } from '../src/index.js';
import { redisAddress, redisUrl, uniquePrefix } from './helpers.js';

const svc = await requireService('redis');
const canary = `canary${Math.random().toString(36).slice(2)}pw`;

function optionError(fn: () => unknown): { option: string; message: string; text: string } {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isPoolError(caught, 'POOL_INVALID_OPTION')).toBe(true);
  const error = caught as Error & { option: string };
  return { option: error.option, message: error.message, text: `${error.message}\n${error.stack}\n${inspect(error, { depth: 5 })}` };
}

describe('every option is checked at creation (POOL_INVALID_OPTION naming the key)', () => {
  it.each([
    [{ queryTimeoutMS: 5 }, 'queryTimeoutMS', 'queryTimeoutMs'],
    [{ passwrod: 'x' }, 'passwrod', 'password'],
    [{ connectTimeoutMS: 5 }, 'connectTimeoutMS', 'connectTimeoutMs'],
    [{ clientname: 'x' }, 'clientname', 'clientName'],
  ])('a typo %o is refused with "did you mean"', (config, key, near) => {
    const { option, message } = optionError(() => createRedisPool(config as never));
    expect(option).toBe(key);
    expect(message).toContain(`did you mean \`${near}\``);
  });

  it.each([
    [{ port: '6379' }, 'port'],
    [{ host: 5 }, 'host'],
    [{ password: 5 }, 'password'],
    [{ username: ['a'] }, 'username'],
    [{ db: '1' }, 'db'],
    [{ connectTimeoutMs: Infinity }, 'connectTimeoutMs'],
    [{ queryTimeoutMs: 0 }, 'queryTimeoutMs'],
    [{ queryTimeoutMs: '5' }, 'queryTimeoutMs'],
    [{ redisOptions: 'tls' }, 'redisOptions'],
    [{ redisOptions: { password: 'x' } }, 'redisOptions.password'],
    [{ redisOptions: { connectionName: 'x' } }, 'redisOptions.connectionName'],
    // ioredis would connect through its own Sentinel connector while the pool traced host:port and followed no failover
    [{ redisOptions: { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster' } }, 'redisOptions.sentinels'],
    [{ pool: 5 }, 'pool'],
    [{ pool: { maxx: 5 } }, 'maxx'],
    [{ url: 5 }, 'url'],
  ])('a wrong type %o', (config, key) => {
    expect(optionError(() => createRedisPool(config as never)).option).toBe(key);
  });

  it.each([
    `http://:${canary}@127.0.0.1:6379`,
    `redis://:${canary}@127.0.0.1:99999`,
    `redis://:${canary}@bad host:6379`,
    'not a url',
    `redis://:${canary}@127.0.0.1:6379/notadb`,
  ])('a URL with the wrong scheme or that does not parse is refused at creation, its password nowhere: %s', (url) => {
    const { option, text } = optionError(() => createRedisPool({ url }));
    expect(option).toBe('url');
    expect(text).not.toContain(canary);
    expect(optionError(() => redisProvider(url)).text).not.toContain(canary);
  });

  it('call options: retries -1, a negative block, an unknown key are POOL_INVALID_OPTION (rejections, nothing borrowed)', async () => {
    const redis = createRedisPool({ url: redisUrl(), pool: { max: 1 } });
    try {
      const cases: [Promise<unknown>, string][] = [
        [redis.transaction(() => undefined, { retries: -1 }), 'retries'],
        [redis.transaction(() => undefined, { retries: 1.5 }), 'retries'],
        [redis.transaction(() => undefined, { watch: 'k' as never }), 'watch'],
        [redis.blpop('k', -1), 'timeoutSeconds'],
        [redis.xread({ k: '$' }, { blockMs: -5 }), 'blockMs'],
        [redis.xread({ k: '$' }, {} as never), 'blockMs'],
        [redis.xread({ k: '$' }, { blockMs: 10, count: 0 }), 'count'],
        [redis.call('GET', ['k'], { timeoutMS: 5 } as never), 'timeoutMS'],
        [redis.call('GET', ['k'], { queryTimeoutMs: -1 }), 'queryTimeoutMs'],
        [redis.call('', []), 'command'],
      ];
      for (const [call, key] of cases) {
        const error = await call.catch((caught: unknown) => caught);
        expect(isPoolError(error, 'POOL_INVALID_OPTION'), key).toBe(true);
        expect((error as { option: string }).option).toBe(key);
      }
      expect(redis.stats().totals.acquired).toBe(0);
    } finally {
      await redis.end();
    }
  });
});

describe.skipIf(!svc.available)('secrets and traces against the real server', () => {
  let redis: RedisPool;
  const prefix = uniquePrefix('options');
  beforeAll(() => {
    const { host, port } = redisAddress();
    // the shared server has no password: ioredis sends AUTH, the server answers an error ioredis ignores
    redis = createRedisPool({ url: `redis://:${canary}@${host}:${port}`, pool: { max: 2 } });
  });
  afterAll(async () => {
    await redis.call('DEL', [`${prefix}k`]).catch(() => undefined);
    await redis.end();
  });

  it('a URL with ?db=3 selects db 3 on the server, as the same URL does for a plain ioredis client', async () => {
    const url = `${redisUrl().replace(/\/\d*$/, '')}?db=3`;
    const plain = new Redis(url);
    const pool = createRedisPool({ url });
    try {
      const dbOf = (info: unknown) => /db=(\d+)/.exec(String(info))?.[1];
      expect(dbOf(await plain.client('INFO'))).toBe('3');
      expect(dbOf(await pool.withConnection((client) => client.client('INFO')))).toBe('3');
    } finally {
      plain.disconnect();
      await pool.end();
    }
  });

  it('util.inspect of the pool, its core pool and a client shows no password', async () => {
    await redis.call('PING');
    await redis.withConnection(async (client) => {
      expect(inspect(client, { depth: 6 })).not.toContain(canary);
      expect(JSON.stringify(client.options)).not.toContain(canary);
    });
    expect(inspect(redis, { depth: 10 })).not.toContain(canary);
    expect(inspect(redis.pool, { depth: 10 })).not.toContain(canary);
    expect(inspect(redis.provider, { depth: 10 })).not.toContain(canary);
    expect(inspect(redis)).toMatch(/RedisPool \{ name: "redis:[^"]+", server: '.+:\d+'/);
  });

  it('every call is traced on pool:call with the command name as operation, never its arguments', async () => {
    const seen: CallTraceContext[] = [];
    const channel = tracingChannel<unknown, CallTraceContext & object>('pool:call');
    const handlers = {
      start: (context: CallTraceContext) => seen.push({ ...context }),
      end: () => undefined, asyncStart: () => undefined, asyncEnd: () => undefined, error: () => undefined,
    };
    channel.subscribe(handlers);
    try {
      await redis.call('set', [`${prefix}k`, 'secret-value-42']);
      await redis.blpop(`${prefix}none`, 0.1);
      await redis.withConnection((client) => client.ping());
      await redis.transaction((multi) => void multi.get(`${prefix}k`));
      await redis.call('LPUSH', [`${prefix}k`, 'x']).catch(() => undefined);
    } finally {
      channel.unsubscribe(handlers);
    }
    expect(seen.map((context) => context.operation)).toEqual(['SET', 'BLPOP', 'withConnection', 'transaction', 'LPUSH']);
    for (const context of seen) {
      expect(context).toMatchObject({ adapter: 'redis', pool: redis.stats().name, server: { host: redisAddress().host, port: redisAddress().port, database: '0' } });
    }
    expect(JSON.stringify(seen)).not.toContain('secret-value-42');
    expect(JSON.stringify(seen)).not.toContain(canary);
  });
});
