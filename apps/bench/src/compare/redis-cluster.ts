import { createRedisClusterPool, keySlot, type RedisClusterPool } from '@pool/redis';
import { Redis } from 'ioredis';
import type { Comparison } from '../comparison.js';

/**
 * Blocking-pop throughput through @pool/redis's cluster pool: 150 callers, each op pushes one
 * element (through a plain ioredis client per primary, fire and forget) and takes one with BLPOP on
 * a dedicated pool connection. The same pool type and the same 150 connections in total, with the
 * lists' slots either all on one primary, or spread over the cluster's three: the ratio is what a
 * cluster's extra primaries buy blocking work. The cluster is the one of scripts/services
 * (POOL_REDIS_CLUSTER_NODES, default 127.0.0.1:7000).
 */

const LISTS_PER_PRIMARY = 30;

function seedNodes(): string[] {
  const fromEnv = process.env.POOL_REDIS_CLUSTER_NODES;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.split(',').map((node) => node.trim()) : ['127.0.0.1:7000'];
}

async function shards(seed: string): Promise<{ port: number; host: string; start: number; end: number }[] | string> {
  const [host = '127.0.0.1', port = '7000'] = seed.split(':');
  const probe = new Redis({ host, port: Number(port), lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const primaries = ranges.map(([start, end, [ip, p]]) => ({ host: ip === '' ? host : ip, port: Number(p), start, end }));
    if (new Set(primaries.map((p) => p.port)).size < 3) return `the redis cluster at ${seed} has fewer than three primaries`;
    return primaries;
  } catch (error) {
    return `redis cluster at ${seed} is unreachable (${error instanceof Error ? error.message : String(error)}); start it with \`bash scripts/services redis_cluster\``;
  } finally {
    probe.disconnect();
  }
}

/** `count` list names whose slots lie in [start, end], under a run-unique prefix. */
function listsIn(prefix: string, start: number, end: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const name = `{${prefix}${i}}:q`;
    const slot = keySlot(name);
    if (slot >= start && slot <= end) out.push(name);
  }
  return out;
}

function pushPop(pool: RedisClusterPool, lists: string[], producers: Map<string, Redis>): () => Promise<unknown> {
  let i = 0;
  return () => {
    const list = lists[i++ % lists.length] as string;
    (producers.get(list) as Redis).rpush(list, 'x').catch(() => undefined);
    return pool.blpop(list, 5);
  };
}

const comparison: Comparison = {
  id: 'W7C',
  title: 'redis cluster: BLPOP throughput, 150 callers, 150 connections; lists on one primary vs spread over three',
  concurrency: 150,
  operations: 20_000,
  async setup() {
    const seeds = seedNodes();
    const found = await shards(seeds[0] as string);
    if (typeof found === 'string') return { skipped: found };
    const prefix = `poolbench:${Math.random().toString(36).slice(2, 8)}:`;
    const byPort = new Map<number, { host: string; start: number; end: number }[]>();
    for (const shard of found) byPort.set(shard.port, [...(byPort.get(shard.port) ?? []), shard]);
    const primaries = [...byPort.entries()].slice(0, 3);
    const producerFor = new Map<number, Redis>(primaries.map(([port, [range]]) => [port, new Redis({ host: range?.host, port, connectionName: 'pool-bench-producer' })]));
    const producers = new Map<string, Redis>();
    const spread: string[] = [];
    const single: string[] = [];
    for (const [index, [port, ranges]] of primaries.entries()) {
      const range = ranges[0] as { start: number; end: number };
      const lists = listsIn(`${prefix}${port}:`, range.start, range.end, index === 0 ? LISTS_PER_PRIMARY * 3 : LISTS_PER_PRIMARY);
      for (const list of lists) producers.set(list, producerFor.get(port) as Redis);
      if (index === 0) {
        single.push(...lists);
        spread.push(...lists.slice(0, LISTS_PER_PRIMARY));
      } else spread.push(...lists);
    }
    const one = createRedisClusterPool({ nodes: seeds, name: 'bench-cluster-one', clientName: 'pool-bench-one', pool: { max: 150 } });
    const three = createRedisClusterPool({ nodes: seeds, name: 'bench-cluster-three', clientName: 'pool-bench-three', pool: { max: 50 } });
    await Promise.all([one.ready(), three.ready()]);
    return {
      contenders: [
        { name: '@pool/redis cluster pool, lists on 1 primary (max 150)', op: pushPop(one, single, producers) },
        { name: '@pool/redis cluster pool, lists over 3 primaries (max 50 each)', op: pushPop(three, spread, producers) },
      ],
      teardown: async () => {
        try {
          for (const [list, producer] of producers) await producer.del(list);
        } finally {
          for (const producer of producerFor.values()) producer.disconnect();
          await Promise.all([one.end(), three.end()]);
        }
      },
    };
  },
};

export default comparison;
