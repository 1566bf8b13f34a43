import { randomBytes } from 'node:crypto';
import { isPoolError } from '@pool/core';
import { callTrace, type CallTraceContext } from '@pool/core/adapter-kit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClusterPool, isRedisTopologyError, keySlot, type RedisClusterPool } from '../src/index.js';
import { redisAddress, sleep, waitFor } from './helpers.js';
import { SHARED_CLUSTER, clientsNamedOn, nodeClient, requireTopology } from './topology-helpers.js';

// The shared cluster of scripts/services (7000-7005), used read-mostly: nothing here fails over or
// moves slots (cluster-failover.test.ts starts its own cluster for that). Keys are unique per run.
const service = await requireTopology('redis cluster (scripts/services.d/redis-cluster.sh)', SHARED_CLUSTER.map((node) => node.port));

/** The primaries of the shared cluster and their slot ranges, from CLUSTER SLOTS. */
async function primaries(): Promise<{ port: number; start: number; end: number }[]> {
  const admin = nodeClient(7000);
  try {
    const ranges = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    return ranges.map(([start, end, [, port]]) => ({ port: Number(port), start, end }));
  } finally {
    admin.disconnect();
  }
}

/** A key with prefix `prefix` whose slot lies in [start, end]. */
function keyIn(prefix: string, start: number, end: number): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    const slot = keySlot(key);
    if (slot >= start && slot <= end) return key;
  }
}

describe.skipIf(!service.available)('createRedisClusterPool against a real cluster', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `pooltest:cluster:${run}:`;
  let shards: { port: number; start: number; end: number }[];
  let pool: RedisClusterPool;
  const clientName = `poolt-cluster-${run}`;
  beforeAll(async () => {
    shards = await primaries();
    pool = createRedisClusterPool({ nodes: ['127.0.0.1:7000', '127.0.0.1:7003'], clientName, pool: { max: 80, acquireTimeoutMs: 30_000 } });
    await pool.ready();
  });
  afterAll(async () => {
    await pool.end();
  });

  it('hashes keys as the server does (hash tags included) and lends a connection on the owning primary', async () => {
    const keys = ['foo', 'bar', '{user1000}.following', '{user1000}.followers', 'a{}b', '{}x', 'x{y', 'ü€', `${prefix}{tag}`];
    for (let i = 0; i < 40; i++) keys.push(`${prefix}${i}:${randomBytes(3).toString('hex')}`);
    for (const key of keys) {
      const { slot, port } = await pool.withConnection(key, async (client) => ({ slot: Number(await client.call('CLUSTER', 'KEYSLOT', key)), port: client.options.port }));
      expect(keySlot(key), key).toBe(slot);
      const shard = shards.find((s) => slot >= s.start && slot <= s.end);
      expect(port, key).toBe(shard?.port);
    }
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // one pool per primary, stats per node and in total
    const stats = pool.stats();
    expect(Object.keys(stats.nodes).sort()).toEqual(shards.map((s) => `127.0.0.1:${s.port}`).sort());
    expect(stats.size).toBe(Object.values(stats.nodes).reduce((sum, node) => sum + node.size, 0));
    expect(stats.totals.acquired).toBe(keys.length);
    expect(pool.pools).toHaveLength(3);
  });

  it('refuses keys of different slots before sending anything, naming the slots', async () => {
    const a = `${prefix}{a}list`;
    const b = `${prefix}{b}list`;
    const acquiredBefore = pool.stats().totals.acquired;
    for (const call of [
      () => pool.blpop([a, b], 1),
      () => pool.transaction([a, b], (multi) => void multi.rpush(a, '1').rpush(b, '2')),
      () => pool.withConnection([a, b], (client) => client.del(a, b)),
      () => pool.blmove(a, b, 'LEFT', 'RIGHT', 1),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(isRedisTopologyError(error, 'REDIS_CROSS_SLOT')).toBe(true);
      const slots = (error as { slots: Record<number, string[]> }).slots;
      expect(slots).toEqual({ [keySlot(a)]: [a], [keySlot(b)]: [b] });
      expect((error as Error).message).toContain(`slot ${keySlot(a)}`);
    }
    const none = await pool.blpop([], 1).catch((e: unknown) => e);
    expect(isPoolError(none, 'POOL_INVALID_OPTION')).toBe(true);
    expect(pool.stats().totals.acquired).toBe(acquiredBefore);
    // the same keys under one hash tag are fine
    const tagged = [`${prefix}{t}a`, `${prefix}{t}b`];
    const results = await pool.transaction(tagged, (multi) => void multi.rpush(tagged[0] as string, '1').rpush(tagged[1] as string, '2'), { watch: [tagged[0] as string] });
    expect(results).toEqual([[null, 1], [null, 1]]);
    await expect(pool.blmove(tagged[0] as string, tagged[1] as string, 'LEFT', 'RIGHT', 1)).resolves.toBe('1');
    await pool.withConnection(tagged, (client) => client.del(...tagged));
    // bad transaction options are refused as RedisPool refuses them, before anything is sent
    await expect(pool.transaction(tagged, () => undefined, { retries: -1 })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'retries' });
    await expect(pool.transaction(tagged, () => undefined, { watch: 'k' as never })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'watch' });
  });

  it('200 BLPOP waiters spread over the three primaries are served as pushes arrive; aborting them leaves no connection blocked', async () => {
    // one list per primary; 200 waiters over them (67/67/66), 80 connections per primary at most
    const lists = shards.map((shard) => keyIn(`${prefix}q:`, shard.start, shard.end));
    const controller = new AbortController();
    const served: string[] = [];
    const waiters = Array.from({ length: 200 }, (_, i) => pool.blpop(lists[i % 3] as string, 0, { signal: controller.signal }).then(
      (reply) => {
        served.push(reply?.[1] as string);
        return 'served';
      },
      (error: unknown) => error,
    ));
    const admins = shards.map((shard) => nodeClient(shard.port));
    const blocked = async () => {
      let total = 0;
      for (const admin of admins) total += (await clientsNamedOn(admin, clientName)).filter((row) => row.flags?.includes('b')).length;
      return total;
    };
    try {
      await waitFor(async () => (await blocked()) === 200, 15_000, '200 blocked connections over the primaries');
      const perNode = Object.values(pool.stats().nodes).map((node) => node.borrowed).sort();
      expect(perNode).toEqual([66, 67, 67]);
      // 5 rounds of pushes, 10 per list: each serves exactly 30 callers
      for (let round = 1; round <= 5; round++) {
        await Promise.all(lists.map((list, index) => (admins[index] as ReturnType<typeof nodeClient>).rpush(list, ...Array.from({ length: 10 }, (_, i) => `${list}:${round}:${i}`))));
        await waitFor(() => served.length === round * 30, 10_000, `${round * 30} served`);
      }
      await sleep(50);
      expect(served.length).toBe(150);
      expect(new Set(served).size).toBe(150);
      await waitFor(async () => (await blocked()) === 50, 10_000, '50 still blocked');
      controller.abort(new Error('shutting down'));
      const outcomes = await Promise.all(waiters);
      const failed = outcomes.filter((outcome) => outcome !== 'served');
      expect(failed).toHaveLength(50);
      expect(failed.every((error) => isPoolError(error, 'POOL_ABORTED'))).toBe(true);
      // CLIENT LIST on every primary: no connection of the pool is blocked any more
      await waitFor(async () => (await blocked()) === 0, 10_000, 'no blocked connection left');
      for (const admin of admins) {
        const rows = await clientsNamedOn(admin, clientName);
        expect(rows.filter((row) => row.cmd === 'blpop' && row.flags?.includes('b'))).toEqual([]);
      }
      // a push now stays in its list: no forgotten BLPOP takes it
      await (admins[0] as ReturnType<typeof nodeClient>).rpush(lists[0] as string, 'after');
      await sleep(100);
      expect(await (admins[0] as ReturnType<typeof nodeClient>).lrange(lists[0] as string, 0, -1)).toEqual(['after']);
      await expect(pool.blpop(lists[0] as string, 1)).resolves.toEqual([lists[0], 'after']);
      await waitFor(() => pool.stats().borrowed === 0 && pool.stats().creating === 0, 5_000, 'the pools to settle');
    } finally {
      controller.abort();
      await Promise.all(waiters);
      for (const admin of admins) admin.disconnect();
    }
  }, 60_000);

  it('xread, brpop and blmove block on the owning primary; bad timeouts are POOL_INVALID_OPTION', async () => {
    const stream = `${prefix}{s}stream`;
    const reading = pool.xread({ [stream]: '$' }, { blockMs: 5_000, count: 10 });
    await sleep(100);
    const id = await pool.withConnection(stream, (client) => client.xadd(stream, '*', 'field', 'value'));
    await expect(reading).resolves.toEqual([[stream, [[id, ['field', 'value']]]]]);
    await expect(pool.xread([[stream, '$']], { blockMs: 50 })).resolves.toBeNull();
    const [source, target] = [`${prefix}{m}from`, `${prefix}{m}to`];
    await pool.withConnection([source], (client) => client.rpush(source, 'a', 'b'));
    await expect(pool.brpop(source, 1)).resolves.toEqual([source, 'b']);
    await expect(pool.blmove(source, target, 'LEFT', 'RIGHT', 1)).resolves.toBe('a');
    await pool.withConnection([stream], (client) => client.del(stream));
    await pool.withConnection([target], (client) => client.del(target));
    for (const [call, option] of [
      [() => pool.blpop(`${prefix}k`, -1), 'timeoutSeconds'],
      [() => pool.brpop(`${prefix}k`, Number.NaN), 'timeoutSeconds'],
      [() => pool.xread({ [stream]: '$' }, {} as never), 'blockMs'],
      [() => pool.xread({ [stream]: '$' }, { blockMs: 10, count: 0 }), 'count'],
    ] as const) {
      const error = await call().catch((e: unknown) => e);
      expect(isPoolError(error, 'POOL_INVALID_OPTION'), option).toBe(true);
      expect((error as { option?: string }).option).toBe(option);
    }
  });

  it("the Buffer forms return Buffers, and errors carry ioredis Cluster's own `command` (blmove, xread: not upper-cased)", async () => {
    const reference = new Cluster([{ host: '127.0.0.1', port: 7000 }]);
    const [text, list, stream] = [`${prefix}{bin}text`, `${prefix}{bin}list`, `${prefix}{bin}stream`];
    const binary = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]);
    const shape = (error: unknown) => ({ message: (error as Error).message, command: (error as { command?: unknown }).command });
    try {
      await reference.set(text, 'x');
      await reference.rpush(list, binary, binary, binary);
      await expect(pool.blpopBuffer(list, 1)).resolves.toEqual([Buffer.from(list), binary]);
      await expect(pool.brpopBuffer(list, 1)).resolves.toEqual([Buffer.from(list), binary]);
      await expect(pool.blmoveBuffer(list, `${prefix}{bin}to`, 'LEFT', 'RIGHT', 1)).resolves.toEqual(binary);
      await reference.xadd(stream, '*', binary, binary);
      const read = await pool.xreadBuffer({ [stream]: '0' }, { blockMs: 10 });
      expect(read).toEqual(await reference.xreadBuffer('BLOCK', 10, 'STREAMS', stream, '0'));
      expect(read?.[0]?.[1][0]?.[1]).toEqual([binary, binary]);
      for (const [label, mine, theirs] of [
        ['blmove', () => pool.blmove(text, list, 'LEFT', 'RIGHT', 1), () => reference.blmove(text, list, 'LEFT', 'RIGHT', 1)],
        ['blmoveBuffer', () => pool.blmoveBuffer(text, list, 'LEFT', 'RIGHT', 1), () => reference.blmoveBuffer(text, list, 'LEFT', 'RIGHT', 1)],
        ['xread', () => pool.xread({ [text]: '0' }, { blockMs: 10, count: 1 }), () => reference.xread('COUNT', 1, 'BLOCK', 10, 'STREAMS', text, '0')],
        ['xreadBuffer', () => pool.xreadBuffer([[text, '0']], { blockMs: 10 }), () => reference.xreadBuffer('BLOCK', 10, 'STREAMS', text, '0')],
        ['blpop', () => pool.blpop(text, 1), () => reference.blpop(text, 1)],
      ] as const) {
        const [actual, expected] = await Promise.all([mine().then(() => 'resolved', (e: unknown) => e), theirs().then(() => 'resolved', (e: unknown) => e)]);
        expect(shape(actual), label).toEqual(shape(expected));
        expect(shape(expected).command, label).toMatchObject({ name: label.replace('Buffer', '') });
      }
    } finally {
      await reference.del(text, list, stream, `${prefix}{bin}to`);
      reference.disconnect();
    }
  });

  it('with redisOptions.keyPrefix, routes by the key as ioredis sends it (prefix included), like ioredis Cluster with the same keyPrefix', async () => {
    const keyPrefix = `${prefix}kp:`;
    const prefixed = createRedisClusterPool({ nodes: ['127.0.0.1:7000'], clientName, redisOptions: { keyPrefix } });
    const reference = new Cluster([{ host: '127.0.0.1', port: 7000 }], { keyPrefix });
    try {
      // keys whose slot moves to another primary once the prefix is in front
      const shardOf = (slot: number) => shards.find((s) => slot >= s.start && slot <= s.end)?.port;
      const keys = Array.from({ length: 40 }, (_, i) => `job${i}`).filter((key) => shardOf(keySlot(key)) !== shardOf(keySlot(keyPrefix + key))).slice(0, 5);
      expect(keys.length).toBe(5);
      for (const key of keys) {
        expect(prefixed.slotOf(key)).toBe(keySlot(keyPrefix + key));
        await reference.rpush(key, `v-${key}`);
        // the reply names the key as the server has it: ioredis does not strip the prefix
        await expect(prefixed.blpop(key, 1)).resolves.toEqual([keyPrefix + key, `v-${key}`]);
        await expect(prefixed.withConnection(key, (client) => client.set(key, '41'))).resolves.toBe('OK');
        await expect(prefixed.transaction(key, (multi) => void multi.incr(key).del(key), { watch: [key] })).resolves.toEqual([[null, 42], [null, 1]]);
        expect(await reference.exists(key)).toBe(0);
      }
      // a hash tag in the prefix puts every key in one slot: no CROSSSLOT between them
      const tagged = createRedisClusterPool({ nodes: ['127.0.0.1:7000'], clientName, redisOptions: { keyPrefix: `{${prefix}}` } });
      try {
        await expect(tagged.withConnection(['a', 'b'], (client) => client.del('a', 'b'))).resolves.toBe(0);
      } finally {
        await tagged.end();
      }
    } finally {
      reference.disconnect();
      await prefixed.end();
    }
  });

  it('forwards node pool events and gives metrics a total', async () => {
    const seen: string[] = [];
    const onAcquire = (event: { pool: string }) => seen.push(event.pool);
    pool.on('acquire', onAcquire);
    for (const shard of shards) await pool.withConnection(keyIn(`${prefix}e:`, shard.start, shard.end), (client) => client.ping());
    pool.off('acquire', onAcquire);
    await pool.withConnection(`${prefix}after-off`, (client) => client.ping());
    expect(seen.sort()).toEqual(shards.map((s) => `redis-cluster 127.0.0.1:${s.port}`).sort());
    expect(pool.stats().name).toBe('redis-cluster');
    // an ioredis client event is no pool event: refused, as RedisPool.on refuses it
    expect(() => pool.on('ready' as 'error', () => undefined)).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'event' }));
  });

  it('traces every ready-made call on pool:call (adapter redis, the command, the node)', async () => {
    const seen: CallTraceContext[] = [];
    const handlers = { start: (context: CallTraceContext) => void seen.push(context) };
    callTrace.subscribe(handlers as never);
    try {
      const key = `${prefix}{trace}q`;
      await pool.blpop(key, 0.05);
      await pool.transaction([key], (multi) => void multi.del(key));
      await pool.withConnection(key, (client) => client.ping());
      await pool.blpop([key, `${prefix}{other}q`], 0.05).catch(() => undefined); // refused before any trace
    } finally {
      callTrace.unsubscribe(handlers as never);
    }
    const owner = shards.find((s) => keySlot(`${prefix}{trace}q`) >= s.start && keySlot(`${prefix}{trace}q`) <= s.end)?.port;
    // one span per cluster call (the node pool it lands on may add its own, per attempt)
    expect(seen.filter((c) => c.pool === 'redis-cluster').map((c) => [c.adapter, c.operation, c.pool, c.server?.port])).toEqual([
      ['redis', 'BLPOP', 'redis-cluster', owner],
      ['redis', 'MULTI', 'redis-cluster', owner],
      ['redis', 'withConnection', 'redis-cluster', owner],
    ]);
  });

  it('seeds that do not answer, or are no cluster, give REDIS_TOPOLOGY_UNAVAILABLE naming them', async () => {
    const nobody = createRedisClusterPool({ nodes: ['127.0.0.1:1'], refreshTimeoutMs: 500 });
    try {
      const error = await nobody.blpop(`${prefix}x`, 1).catch((e: unknown) => e);
      expect(isRedisTopologyError(error, 'REDIS_TOPOLOGY_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain('127.0.0.1:1');
      // the next call tries again (a cluster that was starting up may answer now)
      await expect(nobody.ready()).rejects.toMatchObject({ code: 'REDIS_TOPOLOGY_UNAVAILABLE' });
    } finally {
      await nobody.end();
    }
    // a plain Redis (the shared one on 6379, cluster support disabled) as the only seed
    const plain = createRedisClusterPool({ nodes: [redisAddress()] });
    try {
      const error = await plain.ready().catch((e: unknown) => e);
      expect(isRedisTopologyError(error, 'REDIS_TOPOLOGY_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/cluster support disabled/i);
    } finally {
      await plain.end();
    }
  });

  it('refuses bad cluster options with POOL_INVALID_OPTION naming the key', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ nodes: [] }, 'nodes'],
      [{ nodes: ['127.0.0.1:7000'], host: 'x' }, 'host'],
      [{ nodes: ['127.0.0.1:7000'], db: 1 }, 'db'],
      [{ nodes: ['127.0.0.1:0'] }, 'nodes[0].port'],
      [{ nodes: ['127.0.0.1:7000'], pool: { name: 'x' } }, 'pool.name'],
      [{ nodes: ['127.0.0.1:7000'], refreshTimeoutMs: 0 }, 'refreshTimeoutMs'],
      [{ nodes: ['127.0.0.1:7000'], clientName: 'a b' }, 'clientName'],
      [{ nodes: ['127.0.0.1:7000'], queryTimeoutMs: 0 }, 'queryTimeoutMs'],
    ];
    for (const [config, option] of bad) {
      let thrown: unknown;
      try {
        createRedisClusterPool(config as never);
      } catch (error) {
        thrown = error;
      }
      expect(isPoolError(thrown, 'POOL_INVALID_OPTION'), JSON.stringify(config)).toBe(true);
      expect((thrown as { option?: string }).option, JSON.stringify(config)).toBe(option);
    }
  });
});
