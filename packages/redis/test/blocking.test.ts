import { isPoolError } from '@pool/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, type RedisPool } from '../src/index.js';
import { adminClient, clientsNamed, deletePrefix, redisUrl, sleep, uniqueName, uniquePrefix, waitFor } from './helpers.js';

describe('blocking helpers', () => {
  const prefix = uniquePrefix('blocking');
  let admin: Redis;
  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(async () => {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('200 concurrent BLPOP waiters on a pool of 20 are all served, each with a distinct value, as pushes arrive', async () => {
    const name = uniqueName('blpop200');
    const key = `${prefix}queue`;
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 20, acquireTimeoutMs: 20_000 } });
    try {
      const waiters = Array.from({ length: 200 }, () => pool.blpop(key, 15));
      // the first 20 hold a connection each and block on the server; 180 wait in the pool's queue
      await waitFor(async () => (await clientsNamed(admin, name)).filter((row) => row.flags?.includes('b')).length === 20, 5_000, '20 blocked connections');
      expect(pool.stats()).toMatchObject({ size: 20, borrowed: 20, pending: 180 });
      for (let i = 0; i < 200; i++) {
        await admin.rpush(key, `v${i}`);
        if (i % 20 === 19) await sleep(5);
      }
      const results = await Promise.all(waiters);
      const values = results.map((result) => result?.[1]);
      expect(new Set(values).size).toBe(200);
      expect(values.every((value) => typeof value === 'string' && value.startsWith('v'))).toBe(true);
      expect(await admin.llen(key)).toBe(0);

      // a further batch blocks, then every one of them is aborted: held connections are closed, queued calls leave
      const controller = new AbortController();
      const aborted = Array.from({ length: 50 }, () => pool.blpop(key, 0, { signal: controller.signal }).then(
        () => 'served',
        (error: unknown) => error,
      ));
      await waitFor(async () => (await clientsNamed(admin, name)).filter((row) => row.flags?.includes('b')).length === 20, 5_000, '20 blocked again');
      const t0 = performance.now();
      controller.abort(new Error('caller gave up'));
      const outcomes = await Promise.all(aborted);
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(outcomes.every((outcome) => isPoolError(outcome, 'POOL_ABORTED'))).toBe(true);
      await waitFor(async () => (await clientsNamed(admin, name)).every((row) => row.cmd !== 'blpop' && !row.flags?.includes('b')), 3_000, 'no blocked connection left');
      await waitFor(() => pool.stats().creating === 0, 3_000, 'creates to settle');
      const stats = pool.stats();
      expect(stats).toMatchObject({ borrowed: 0, pending: 0 });
      expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
      expect(stats.totals.aborted).toBeGreaterThanOrEqual(50);

      // the pool still works and replaces what it closed on demand
      await admin.rpush(key, 'after');
      expect(await pool.blpop(key, 2)).toEqual([key, 'after']);
    } finally {
      await pool.end();
    }
  });

  it('brpop, blmove and xread block on their own connection; a timeout gives null', async () => {
    const name = uniqueName('misc');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 4 } });
    try {
      const list = `${prefix}list`;
      const popped = pool.brpop([`${prefix}other`, list], 10);
      const moved = pool.blmove(`${prefix}src`, `${prefix}dst`, 'LEFT', 'RIGHT', 10);
      const stream = `${prefix}stream`;
      const read = pool.xread({ [stream]: '$' }, { blockMs: 10_000, count: 10 });
      // XREAD '$' only sees entries added after it reached the server: push once all three are blocked
      // (each needs a connection created first, which can take longer than a fixed sleep on a loaded machine)
      await waitFor(async () => (await clientsNamed(admin, name)).filter((row) => row.flags?.includes('b')).length === 3, 5_000, 'BRPOP, BLMOVE and XREAD to block');
      await admin.rpush(list, 'a', 'b');
      await admin.rpush(`${prefix}src`, 'm');
      const id = await admin.xadd(stream, '*', 'field', 'value');
      expect(await popped).toEqual([list, 'b']);
      expect(await moved).toBe('m');
      expect(await admin.lrange(`${prefix}dst`, 0, -1)).toEqual(['m']);
      expect(await read).toEqual([[stream, [[id, ['field', 'value']]]]]);
      expect(await pool.blpop(`${prefix}empty`, 0.05)).toBeNull();
      expect(await pool.xread([[stream, id as string]], { blockMs: 50 })).toBeNull();
    } finally {
      await pool.end();
    }
  });

  it('transaction: WATCH/MULTI/EXEC applies atomically, returns null on a conflict, retries when asked', async () => {
    const pool = createRedisPool({ url: redisUrl(), clientName: uniqueName('tx'), pool: { max: 2 } });
    const key = `${prefix}balance`;
    try {
      await admin.set(key, '10');
      const ok = await pool.transaction(async (multi, client) => {
        const balance = Number(await client.get(key));
        multi.set(key, String(balance - 3)).incr(`${prefix}ops`);
      }, { watch: [key] });
      expect(ok).toEqual([[null, 'OK'], [null, 1]]);
      expect(await admin.get(key)).toBe('7');

      let runs = 0;
      const conflict = await pool.transaction(async (multi, client) => {
        runs++;
        const balance = Number(await client.get(key));
        await admin.set(key, '100'); // another client writes the watched key every time
        multi.set(key, String(balance - 1));
      }, { watch: [key], retries: 2 });
      expect(conflict).toBeNull();
      expect(runs).toBe(3);
      expect(await admin.get(key)).toBe('100');

      let attempt = 0;
      const retried = await pool.transaction(async (multi, client) => {
        attempt++;
        const balance = Number(await client.get(key));
        if (attempt === 1) await admin.set(key, '50');
        multi.set(key, String(balance + 1));
      }, { watch: [key], retries: 1 });
      expect(retried).toEqual([[null, 'OK']]);
      expect(await admin.get(key)).toBe('51');

      await expect(pool.transaction(() => {
        throw new Error('changed my mind');
      }, { watch: [key] })).rejects.toThrow('changed my mind');
      expect(await admin.get(key)).toBe('51');
      // the thrown-on connection still holds a WATCH: it comes back after its UNWATCH reset, not destroyed
      await waitFor(() => pool.stats().borrowed === 0, 2000, 'the connection to come back after UNWATCH');
      expect(pool.stats().totals.destroyed).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('an aborted withConnection call closes its connection at once and rejects POOL_ABORTED', async () => {
    const name = uniqueName('abortwc');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 1 } });
    try {
      const controller = new AbortController();
      const call = pool.withConnection((client) => client.blpop(`${prefix}never`, 0), { signal: controller.signal });
      await waitFor(async () => (await clientsNamed(admin, name)).some((row) => row.flags?.includes('b')), 3_000, 'blocked');
      controller.abort();
      await expect(call).rejects.toMatchObject({ code: 'POOL_ABORTED' });
      await waitFor(async () => (await clientsNamed(admin, name)).length === 0, 3_000, 'connection closed server-side');
      expect(await pool.withConnection((client) => client.ping())).toBe('PONG');
      const stats = pool.stats();
      expect(stats.totals.destroyed).toBe(1);
      expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
    } finally {
      await pool.end();
    }
  });
});
