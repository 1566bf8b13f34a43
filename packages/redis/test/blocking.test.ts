import { getEventListeners } from 'node:events';
import { isPoolError } from '@pool/core';
import { Redis } from 'ioredis';
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createRedisPool, type RedisPool } from '../src/index.js';
import { clientsNamed, redisUrl, sleep, suiteAdmin, uniqueName, uniquePrefix, waitFor } from './helpers.js';

// the shared server: unreachable skips loudly locally and fails with CI=true
const svc = await requireService('redis');

describe.skipIf(!svc.available)('blocking helpers', () => {
  const prefix = uniquePrefix('blocking');
  const admin = suiteAdmin(prefix);

  it('200 concurrent BLPOP waiters on a pool of 20 are served as pushes arrive with no connection left blocked after abort', async () => {
    const name = uniqueName('blpop200');
    const key = `${prefix}queue`;
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 20, acquireTimeoutMs: 60_000 } });
    // one shutdown signal shared by every consumer, as a worker would: 200 calls watch it through
    // a single listener (no MaxListenersExceededWarning, no setMaxListeners needed)
    const controller = new AbortController();
    const blocked = async () => (await clientsNamed(admin, name)).filter((row) => row.flags?.includes('b'));
    try {
      const served: string[] = [];
      const waiters = Array.from({ length: 200 }, () => pool.blpop(key, 0, { signal: controller.signal }).then(
        (result) => {
          served.push(result?.[1] as string);
          return 'served';
        },
        (error: unknown) => error,
      ));
      // the first 20 hold a connection each and block on the server; 180 wait in the pool's queue
      await waitFor(async () => (await blocked()).length === 20, 5_000, '20 blocked connections');
      expect(pool.stats()).toMatchObject({ size: 20, borrowed: 20, pending: 180 });
      expect(served).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

      // 6 rounds of 20 pushes: each round serves exactly 20 more callers, and the next 20 block again
      for (let round = 1; round <= 6; round++) {
        await admin.rpush(key, ...Array.from({ length: 20 }, (_, i) => `v${(round - 1) * 20 + i}`));
        await waitFor(() => served.length === round * 20, 5_000, `${round * 20} callers served`);
        await waitFor(async () => (await blocked()).length === 20, 5_000, `20 blocked again after round ${round}`);
        expect(served.length).toBe(round * 20);
        expect(await admin.llen(key)).toBe(0);
      }
      expect(new Set(served).size).toBe(120);
      expect(pool.stats()).toMatchObject({ size: 20, borrowed: 20, pending: 60 });

      // the other 80 give up: 20 blocked on the server, 60 still queued
      const abortedIds = (await blocked()).map((row) => row.id);
      expect(abortedIds).toHaveLength(20);
      controller.abort(new Error('shutting down'));
      const outcomes = await Promise.all(waiters);
      expect(outcomes.filter((outcome) => outcome === 'served')).toHaveLength(120);
      const failed = outcomes.filter((outcome) => outcome !== 'served');
      expect(failed).toHaveLength(80);
      expect(failed.every((outcome) => isPoolError(outcome, 'POOL_ABORTED'))).toBe(true);

      // CLIENT LIST: every connection that was blocked is gone, and none of the pool's is blocked
      await waitFor(async () => {
        const rows = await clientsNamed(admin, name);
        return rows.every((row) => !abortedIds.includes(row.id) && !row.flags?.includes('b') && row.cmd !== 'blpop');
      }, 3_000, 'no blocked connection left');
      await waitFor(() => pool.stats().creating === 0, 3_000, 'creates to settle');
      const stats = pool.stats();
      expect(stats).toMatchObject({ borrowed: 0, pending: 0 });
      expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
      expect(stats.totals.destroyed).toBeGreaterThanOrEqual(20);

      // a push now stays in the list: no forgotten BLPOP anywhere takes it
      await admin.rpush(key, 'after');
      await sleep(100);
      expect(await admin.lrange(key, 0, -1)).toEqual(['after']);
      // the pool still works, on a connection that was never one of the aborted ones
      const again = await pool.withConnection(async (client) => ({ id: String(await client.client('ID')), popped: await client.blpop(key, 2) }));
      expect(again.popped).toEqual([key, 'after']);
      expect(abortedIds).not.toContain(again.id);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it.each([
    ['blpop', 'blpop'],
    ['brpop', 'brpop'],
    ['xread', 'xread'],
  ] as const)('%s aborted mid-block: POOL_ABORTED at once, that connection is closed on the server and never lent again', async (helper, command) => {
    const name = uniqueName(`abort-${helper}`);
    const key = `${prefix}abort-${helper}`;
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 1 } });
    try {
      const controller = new AbortController();
      const call = helper === 'xread'
        ? pool.xread({ [key]: '$' }, { blockMs: 0 }, { signal: controller.signal })
        : pool[helper](key, 0, { signal: controller.signal });
      const outcome = call.then(() => 'served', (error: unknown) => error);
      let blockedId = '';
      await waitFor(async () => {
        const row = (await clientsNamed(admin, name)).find((r) => r.flags?.includes('b') && r.cmd === command);
        blockedId = row?.id ?? '';
        return row !== undefined;
      }, 3_000, `${command} to block`);
      controller.abort(new Error('caller gave up'));
      expect(isPoolError(await outcome, 'POOL_ABORTED')).toBe(true);
      await waitFor(async () => !(await clientsNamed(admin, name)).some((row) => row.id === blockedId), 3_000, 'the blocked connection to close server-side');
      // the value pushed now is not taken by the aborted call
      if (helper === 'xread') await admin.xadd(key, '*', 'f', 'v');
      else await admin.rpush(key, 'kept');
      await sleep(50);
      if (helper !== 'xread') expect(await admin.lrange(key, 0, -1)).toEqual(['kept']);
      const nextId = String(await pool.withConnection((client) => client.client('ID')));
      expect(nextId).not.toBe(blockedId);
      const stats = pool.stats();
      expect(stats.totals).toMatchObject({ created: 2, destroyed: 1 });
      expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
    } finally {
      await pool.end();
    }
  });

  it('end(): a blocked call is cut after its timeoutMs, every connection is closed on the server, later calls reject POOL_CLOSED', async () => {
    const name = uniqueName('end');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { min: 2, max: 3 } });
    await pool.pool.ready();
    const blocked = pool.blpop(`${prefix}end-never`, 0).then(() => 'served', (error: unknown) => error);
    await waitFor(async () => (await clientsNamed(admin, name)).some((row) => row.flags?.includes('b')), 3_000, 'blocked');
    expect((await clientsNamed(admin, name)).length).toBeGreaterThanOrEqual(2);
    await pool.end({ timeoutMs: 200 });
    const error = await blocked;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/closed/i);
    await waitFor(async () => (await clientsNamed(admin, name)).length === 0, 3_000, 'every connection closed server-side');
    const stats = pool.stats();
    expect(stats.size).toBe(0);
    expect(stats.totals.created).toBe(stats.totals.destroyed);
    await expect(pool.blpop(`${prefix}end-never`, 1)).rejects.toSatisfy((caught: unknown) => isPoolError(caught, 'POOL_CLOSED'));
    await expect(pool.withConnection((client) => client.ping())).rejects.toSatisfy((caught: unknown) => isPoolError(caught, 'POOL_CLOSED'));
    await pool.end();
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
  // Aborting a blocked pop closes its connection; if the server popped an element for it in that
  // instant, the reply dies with the socket. BLPOP then loses the element (as a plain ioredis client
  // disconnected mid-BLPOP does); BLMOVE into a processing list keeps it there (README: Abort).
  it('aborts racing pushes: BLMOVE into a processing list never loses a job (each is delivered, still queued, or in processing)', async () => {
    const pool = createRedisPool({ url: redisUrl(), clientName: uniqueName('abortmove'), pool: { max: 2 } });
    const queue = `${prefix}race:queue`;
    const processing = `${prefix}race:processing`;
    try {
      const delivered: string[] = [];
      let aborted = 0;
      for (let i = 0; i < 150; i++) {
        const controller = new AbortController();
        const moving = pool.blmove(queue, processing, 'LEFT', 'RIGHT', 0, { signal: controller.signal }).then(
          (job) => void delivered.push(job as string),
          (error: unknown) => {
            expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
            aborted++;
          },
        );
        // the push and the abort race the server: some jobs reach the caller, some are popped for
        // an aborted caller, some stay queued
        await sleep(i % 3);
        const pushed = admin.rpush(queue, `job-${i}`);
        controller.abort();
        await Promise.all([moving, pushed]);
      }
      await waitFor(() => pool.stats().borrowed === 0, 3_000, 'every call settled');
      const queued = await admin.lrange(queue, 0, -1);
      const inProcessing = await admin.lrange(processing, 0, -1);
      const all = Array.from({ length: 150 }, (_, i) => `job-${i}`);
      // every delivered job is in processing (to be acknowledged by its consumer), and no job is lost
      for (const job of delivered) expect(inProcessing).toContain(job);
      expect([...queued, ...inProcessing].sort()).toEqual(all.sort());
      expect(delivered.length + aborted).toBe(150);
    } finally {
      await pool.end();
    }
  });
  it('aborts racing XADDs: an XREADGROUP entry delivered to an aborted call stays pending in the group, for XAUTOCLAIM', async () => {
    const pool = createRedisPool({ url: redisUrl(), clientName: uniqueName('abortgroup'), pool: { max: 2 } });
    const stream = `${prefix}race:stream`;
    await admin.xgroup('CREATE', stream, 'workers', '$', 'MKSTREAM');
    type Reply = [string, [string, string[]][]][] | null;
    try {
      const received: string[] = [];
      for (let i = 0; i < 60; i++) {
        const controller = new AbortController();
        const reading = pool.call<Reply>('XREADGROUP', ['GROUP', 'workers', 'w1', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', stream, '>'], { signal: controller.signal }).then(
          async (reply) => {
            for (const [, entries] of reply ?? []) {
              for (const [id, fields] of entries) {
                received.push(fields[1] as string);
                await admin.xack(stream, 'workers', id);
              }
            }
          },
          (error: unknown) => expect(isPoolError(error, 'POOL_ABORTED')).toBe(true),
        );
        await sleep(i % 3);
        const added = admin.xadd(stream, '*', 'job', `job-${i}`);
        controller.abort();
        await Promise.all([reading, added]);
      }
      // delivered to an aborted call: pending (never acknowledged), claimable by a live consumer
      const [, claimed] = (await admin.xautoclaim(stream, 'workers', 'w2', 0, '0', 'COUNT', 1000)) as [string, [string, string[]][]];
      const pending = claimed.map(([, fields]) => fields[1] as string);
      // never delivered to the group yet: what the next '>' read gets
      const rest = ((await admin.xreadgroup('GROUP', 'workers', 'w2', 'COUNT', 1000, 'STREAMS', stream, '>')) ?? []) as [string, [string, string[]][]][];
      const undelivered = rest.flatMap(([, entries]) => entries.map(([, fields]) => fields[1] as string));
      expect([...received, ...pending, ...undelivered].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `job-${i}`).sort());
    } finally {
      await pool.end();
    }
  });
  it('with redisOptions.keyPrefix every helper prefixes its keys, and replies name the prefixed key, as the same ioredis client does', async () => {
    const keyPrefix = `${prefix}kp:`;
    const pool = createRedisPool({ url: redisUrl(), redisOptions: { keyPrefix }, pool: { max: 2 } });
    const plain = new Redis(redisUrl(), { keyPrefix });
    try {
      await admin.rpush(`${keyPrefix}q`, 'a', 'b', 'c');
      expect(await plain.blpop('q', 1)).toEqual([`${keyPrefix}q`, 'a']);
      expect(await pool.blpop('q', 1)).toEqual([`${keyPrefix}q`, 'b']);
      expect(await pool.call('BRPOPLPUSH', ['q', 'done', 1])).toBe('c');
      expect(await admin.lrange(`${keyPrefix}done`, 0, -1)).toEqual(['c']);
      const id = await admin.xadd(`${keyPrefix}s`, '*', 'f', 'v');
      expect(await pool.xread({ s: '0' }, { blockMs: 100 })).toEqual([[`${keyPrefix}s`, [[id, ['f', 'v']]]]]);
      expect(await pool.transaction((multi) => void multi.set('t', '1'), { watch: ['t'] })).toEqual([[null, 'OK']]);
      expect(await admin.get(`${keyPrefix}t`)).toBe('1');
    } finally {
      plain.disconnect();
      await pool.end();
    }
  });
});
