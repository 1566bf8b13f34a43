import { requireService } from '@pool/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWaitMs } from '../src/blocking-commands.js';
import { createRedisPool, isPoolError, type RedisPool } from '../src/index.js';
import { adminClient, deletePrefix, redisUrl, uniquePrefix } from './helpers.js';

const svc = await requireService('redis');

describe('serverWaitMs: the server-side wait a blocking command asks for', () => {
  it.each([
    ['BLPOP', ['a', 'b', 5], 5_000],
    ['brpop', ['a', '0.25'], 250],
    ['BRPOPLPUSH', ['src', 'dst', '30'], 30_000],
    ['BLMOVE', ['src', 'dst', 'LEFT', 'RIGHT', 2], 2_000],
    ['BZPOPMIN', ['z', 1], 1_000],
    ['BZPOPMAX', ['z', Buffer.from('1.5')], 1_500],
    ['BLMPOP', [3, 1, 'l', 'LEFT'], 3_000],
    ['BZMPOP', ['0', 1, 'z', 'MIN'], 0],
    ['XREAD', ['COUNT', 10, 'BLOCK', 2500, 'STREAMS', 's', '$'], 2_500],
    ['XREADGROUP', ['GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], 0],
    ['XREADGROUP', ['GROUP', 'BLOCK', '5', 'BLOCK', 900, 'STREAMS', 's', '>'], 900], // a group named BLOCK
    ['WAIT', [1, 700], 700],
    ['WAITAOF', [1, 0, 900], 900],
  ] as const)('%s %j: %d ms', (command, args, expected) => {
    expect(serverWaitMs(command, args as unknown as (string | number | Buffer)[])).toBe(expected);
  });

  it.each([
    ['GET', ['k']],
    ['XREAD', ['STREAMS', 'BLOCK', '0']], // a stream named BLOCK: no BLOCK option
    ['BLPOP', ['k', 'soon']],
    ['BLPOP', []],
  ] as const)('%s %j does not block (the plain deadline applies)', (command, args) => {
    expect(serverWaitMs(command, args as unknown as string[])).toBeUndefined();
  });
});

// A job-queue consumer written against ioredis's generic `call`: its block outlasting queryTimeoutMs
// is legitimate and must not be cut (a cut closes the connection, and may lose a popped element).
describe.skipIf(!svc.available)('call() of a blocking command gets its block plus queryTimeoutMs', () => {
  const prefix = uniquePrefix('callblock');
  let admin: Redis;
  let pool: RedisPool;
  beforeAll(() => {
    admin = adminClient();
    pool = createRedisPool({ url: redisUrl(), queryTimeoutMs: 300, pool: { max: 2 } });
  });
  afterAll(async () => {
    await pool.end();
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('BLPOP, BRPOPLPUSH and XREADGROUP BLOCK longer than queryTimeoutMs end with null, not POOL_TIMEOUT, and keep their connection', async () => {
    await admin.xgroup('CREATE', `${prefix}stream`, 'workers', '$', 'MKSTREAM');
    const destroyed = pool.stats().totals.destroyed;
    expect(await pool.call('BLPOP', [`${prefix}jobs`, '0.6'])).toBeNull();
    expect(await pool.call('BRPOPLPUSH', [`${prefix}jobs`, `${prefix}processing`, '0.6'])).toBeNull();
    expect(await pool.call('XREADGROUP', ['GROUP', 'workers', 'w1', 'COUNT', 1, 'BLOCK', 600, 'STREAMS', `${prefix}stream`, '>'])).toBeNull();
    expect(pool.stats().totals.destroyed).toBe(destroyed);
  });

  it('a job pushed while BRPOPLPUSH blocks past queryTimeoutMs is delivered, and the queue keeps nothing behind', async () => {
    const waiting = pool.call<string | null>('BRPOPLPUSH', [`${prefix}q2`, `${prefix}p2`, 5]);
    // wait until the server has it blocked, well past the 300 ms margin
    for (let i = 0; i < 100; i++) {
      const list = (await admin.client('LIST')) as string;
      if (list.split('\n').some((line) => line.includes('cmd=brpoplpush'))) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    await admin.lpush(`${prefix}q2`, 'job-1');
    expect(await waiting).toBe('job-1');
    expect(await admin.lrange(`${prefix}p2`, 0, -1)).toEqual(['job-1']);
    expect(await admin.llen(`${prefix}q2`)).toBe(0);
  });

  it('a plain command still has the plain deadline', async () => {
    // DEBUG SLEEP would stall the shared server: a client that never answers is simulated by a
    // BLPOP sent through withConnection, which is not parsed (its code decides what it does)
    const error = await pool.withConnection((client) => client.blpop(`${prefix}never`, 1)).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
  });
});
