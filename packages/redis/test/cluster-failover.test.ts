import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClusterPool, keySlot } from '../src/index.js';
import { sleep, waitFor } from './helpers.js';
import { ProcessGroup, clientsNamedOn, nodeClient, redisCli, requireBinaries } from './topology-helpers.js';

// This file owns a private cluster on 7010-7015 (bus 17010-17015) and changes it: a slot migration
// and a CLUSTER FAILOVER. The shared cluster of scripts/services (7000-7005) is never touched.
const tools = requireBinaries('redis-server', 'redis-cli');
const PORTS = [7010, 7011, 7012, 7013, 7014, 7015];

interface Shard {
  start: number;
  end: number;
  primary: { port: number; id: string };
  replicas: { port: number; id: string }[];
}

async function shardsOf(port: number): Promise<Shard[]> {
  const client = nodeClient(port);
  try {
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string], ...[string, number, string][]][];
    return ranges.map(([start, end, primary, ...replicas]) => ({
      start, end,
      primary: { port: Number(primary[1]), id: String(primary[2]) },
      replicas: replicas.map((replica) => ({ port: Number(replica[1]), id: String(replica[2]) })),
    }));
  } finally {
    client.disconnect();
  }
}

function keyIn(prefix: string, shard: Shard): string {
  for (let i = 0; ; i++) {
    const slot = keySlot(`{${prefix}${i}}`);
    if (slot >= shard.start && slot <= shard.end) return `{${prefix}${i}}`;
  }
}

/** Every node answers cluster_state:ok and agrees on who owns which slots, and every range shows its replica. */
async function clusterSettled(): Promise<boolean> {
  const views = new Set<string>();
  for (const port of PORTS) {
    const client = nodeClient(port);
    try {
      if (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      if (ranges.some((range) => range.length < 4)) return false;
      views.add(ranges.map(([start, end, [, owner]]) => `${start}-${end}:${owner}`).sort().join(','));
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
  return views.size === 1;
}

interface Op {
  kind: 'push' | 'pop' | 'tx';
  ms: number;
  end: number;
  ok: boolean;
  port?: number;
}

describe.skipIf(!tools.available)('cluster pool on a cluster that changes', () => {
  const group = new ProcessGroup();
  beforeAll(async () => {
    await Promise.all(PORTS.map((port) => group.start(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '3000'])));
    await redisCli('--cluster', 'create', ...PORTS.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes');
    await waitFor(clusterSettled, 30_000, 'the private cluster to settle');
    // every replica in sync with its primary
    for (const shard of await shardsOf(7010)) {
      for (const replica of shard.replicas) {
        const client = nodeClient(replica.port);
        await waitFor(async () => String(await client.info('replication')).includes('master_link_status:up'), 20_000, `replica ${replica.port} in sync`);
        client.disconnect();
      }
    }
  }, 60_000);
  afterAll(() => group.stop());

  it('follows ASK during a slot migration and MOVED after it (CLUSTER SETSLOT), and withConnection passes MOVED on', async () => {
    const shards = await shardsOf(7010);
    const [source, target] = shards as [Shard, Shard];
    const tag = keyIn('moved', source);
    const key = `${tag}:list`;
    const slot = keySlot(key);
    const pool = createRedisClusterPool({ nodes: ['127.0.0.1:7010'], pool: { max: 4 } });
    const src = nodeClient(source.primary.port);
    const dst = nodeClient(target.primary.port);
    try {
      await pool.withConnection(key, (client) => client.rpush(key, 'a', 'b', 'c'));
      expect(pool.nodeFor(key)?.provider.address).toBe(`127.0.0.1:${source.primary.port}`);
      // mid-migration: the key has already gone to the target, the source answers ASK
      await dst.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.primary.id);
      await src.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.primary.id);
      await src.call('MIGRATE', '127.0.0.1', String(target.primary.port), '', '0', '5000', 'KEYS', key);
      await expect(pool.blpop(key, 1)).resolves.toEqual([key, 'a']);
      // ASK is for this one call: the map still says source
      expect(pool.nodeFor(key)?.provider.address).toBe(`127.0.0.1:${source.primary.port}`);
      // migration done: every primary learns the new owner
      for (const shard of shards) {
        const client = nodeClient(shard.primary.port);
        await client.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.primary.id);
        client.disconnect();
      }
      // the pool's map is stale: MOVED, then the call runs once more on the target
      await expect(pool.blpop(key, 1)).resolves.toEqual([key, 'b']);
      expect(pool.nodeFor(key)?.provider.address).toBe(`127.0.0.1:${target.primary.port}`);
      const tx = await pool.transaction([key], (multi) => void multi.rpush(key, 'd').lrange(key, 0, -1));
      expect(tx).toEqual([[null, 2], [null, ['c', 'd']]]);

      // and back (the same steps the other way); withConnection, which may have written before a
      // redirect, is not rerun: the MOVED reaches the caller, and the map is already right for the next call
      await src.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', target.primary.id);
      await dst.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', source.primary.id);
      await dst.call('MIGRATE', '127.0.0.1', String(source.primary.port), '', '0', '5000', 'KEYS', key);
      for (const shard of shards) {
        const client = nodeClient(shard.primary.port);
        await client.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', source.primary.id);
        client.disconnect();
      }
      await expect(pool.withConnection(key, (client) => client.lrange(key, 0, -1))).rejects.toThrow(/^MOVED \d+ /);
      await expect(pool.withConnection(key, (client) => client.lrange(key, 0, -1))).resolves.toEqual(['c', 'd']);
      await waitFor(clusterSettled, 20_000, 'the cluster to agree again');
    } finally {
      src.disconnect();
      dst.disconnect();
      await pool.end();
    }
  }, 60_000);

  it('CLUSTER FAILOVER while 100 callers run BLPOP/LPUSH and MULTI/EXEC: no lost write, no caller past its deadline', async () => {
    // the widest range that has a replica (the migration above may have split a range)
    const shard = (await shardsOf(7010)).filter((s) => s.replicas.length > 0).sort((a, b) => (b.end - b.start) - (a.end - a.start))[0] as Shard;
    const replica = shard.replicas[0] as { port: number };
    const tag = keyIn(`fo${randomBytes(2).toString('hex')}`, shard);
    const list = `${tag}:queue`;
    const log = `${tag}:log`;
    const clientName = `poolt-cfo-${randomBytes(3).toString('hex')}`;
    const DEADLINE_MS = 10_000;
    const pool = createRedisClusterPool({ nodes: ['127.0.0.1:7010'], clientName, pool: { max: 100, acquireTimeoutMs: DEADLINE_MS } });
    const ops: Op[] = [];
    const pushed = new Set<string>();
    const popped = new Set<string>();
    const committed = new Set<string>();
    let stopping = false;
    let sequence = 0;
    async function timed(kind: Op['kind'], call: () => Promise<number | undefined>): Promise<void> {
      const started = performance.now();
      try {
        const port = await call();
        ops.push({ kind, ms: performance.now() - started, end: performance.now(), ok: true, ...(port !== undefined ? { port } : {}) });
      } catch {
        ops.push({ kind, ms: performance.now() - started, end: performance.now(), ok: false });
        await sleep(20);
      }
    }
    const options = () => ({ signal: AbortSignal.timeout(DEADLINE_MS), timeoutMs: DEADLINE_MS });
    const portOf = () => Number(pool.nodeFor(list)?.provider.config.port);
    const producer = async () => {
      while (!stopping) {
        const value = `p${sequence++}`;
        await timed('push', async () => {
          const port = await pool.withConnection(list, async (client) => {
            await client.lpush(list, value);
            return client.options.port;
          }, options());
          pushed.add(value);
          return port;
        });
      }
    };
    const consumer = async () => {
      while (!stopping) {
        await timed('pop', async () => {
          const reply = await pool.blpop(list, 1, options());
          if (reply !== null) popped.add(reply[1]);
          return portOf();
        });
      }
    };
    const transactor = async () => {
      while (!stopping) {
        const value = `t${sequence++}`;
        await timed('tx', async () => {
          const results = await pool.transaction([list, log], (multi) => void multi.incr(`${tag}:count`).rpush(log, value), options());
          if (results === null || results.some(([error]) => error !== null)) throw new Error('EXEC failed');
          committed.add(value);
          return portOf();
        });
      }
    };
    const callers = [...Array.from({ length: 40 }, producer), ...Array.from({ length: 30 }, consumer), ...Array.from({ length: 30 }, transactor)];
    const admin = nodeClient(replica.port);
    let failoverAt = 0;
    try {
      await sleep(1_500);
      expect(ops.filter((op) => op.ok).length).toBeGreaterThan(100);
      failoverAt = performance.now();
      expect(await admin.call('CLUSTER', 'FAILOVER')).toBe('OK');
      await waitFor(async () => String(await admin.call('ROLE')).startsWith('master'), 20_000, 'the replica to become primary');
      await waitFor(() => (['push', 'pop', 'tx'] as const).every((kind) => ops.some((op) => op.ok && op.kind === kind && op.port === replica.port && op.end > failoverAt)), 20_000, 'successes on the new primary');
      await sleep(1_000);
    } finally {
      stopping = true;
      await Promise.all(callers);
      admin.disconnect();
    }
    try {
      const firstOnNew = Math.min(...ops.filter((op) => op.ok && op.port === replica.port).map((op) => op.end));
      const failed = ops.filter((op) => !op.ok);
      const slowest = Math.max(...ops.map((op) => op.ms));
      console.log(`[cluster failover] CLUSTER FAILOVER -> first success on the new primary ${replica.port}: ${Math.round(firstOnNew - failoverAt)} ms; ` +
        `${ops.length} calls, ${failed.length} failed (retried by their callers), slowest ${Math.round(slowest)} ms; ${pushed.size} pushes and ${committed.size} transactions`);
      const primary = nodeClient(replica.port);
      const remaining = new Set(await primary.lrange(list, 0, -1));
      const logged = new Set(await primary.lrange(log, 0, -1));
      // a coordinated CLUSTER FAILOVER waits for the replica to catch up: every acknowledged write is there
      expect([...pushed].filter((value) => !popped.has(value) && !remaining.has(value))).toEqual([]);
      expect([...committed].filter((value) => !logged.has(value))).toEqual([]);
      expect(pushed.size).toBeGreaterThan(100);
      expect(committed.size).toBeGreaterThan(100);
      expect(slowest).toBeLessThan(DEADLINE_MS + 2_000);
      // the pool moved: the new primary has a pool, the old one none and no connection of ours left
      await waitFor(() => Object.keys(pool.stats().nodes).includes(`127.0.0.1:${replica.port}`) && !Object.keys(pool.stats().nodes).includes(`127.0.0.1:${shard.primary.port}`), 10_000, 'the node pools to follow');
      // the total keeps the retired node pool's counters: every successful call acquired a connection
      await waitFor(() => pool.stats().totals.acquired >= ops.filter((op) => op.ok).length, 10_000, 'the retired pool\'s counters in the total');
      const old = nodeClient(shard.primary.port);
      await waitFor(async () => (await clientsNamedOn(old, clientName)).length === 0, 10_000, 'no pool connection left on the old primary');
      old.disconnect();
      primary.disconnect();
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('a primary that dies is left behind: once the cluster promotes its replica, the pool serves its slots there', async () => {
    const shard = (await shardsOf(7010)).filter((s) => s.replicas.length > 0).sort((a, b) => (b.end - b.start) - (a.end - a.start))[0] as Shard;
    const replica = shard.replicas[0] as { port: number };
    const key = `${keyIn(`dead${randomBytes(2).toString('hex')}`, shard)}:q`;
    const pool = createRedisClusterPool({ nodes: PORTS.map((port) => `127.0.0.1:${port}`), pool: { max: 10, acquireTimeoutMs: 20_000, retry: { minDelayMs: 50, maxDelayMs: 500 } } });
    try {
      await pool.withConnection(key, (client) => client.rpush(key, 'before'));
      await expect(pool.blpop(key, 1)).resolves.toEqual([key, 'before']);
      const killedAt = performance.now();
      await group.kill(shard.primary.port);
      // callers keep calling, as an application would; each call has a 20 s deadline
      let served: string | undefined;
      let failures = 0;
      while (served === undefined) {
        if (performance.now() - killedAt > 40_000) throw new Error(`no success on the new primary 40 s after the kill (${failures} failures)`);
        try {
          await pool.withConnection(key, (client) => client.rpush(key, 'after'), { timeoutMs: 20_000 });
          served = String((await pool.blpop(key, 1, { timeoutMs: 20_000 }))?.[1]);
        } catch {
          failures++;
          await sleep(100);
        }
      }
      console.log(`[cluster node death] SIGKILL of primary ${shard.primary.port} -> first success on ${replica.port}: ${Math.round(performance.now() - killedAt)} ms (cluster-node-timeout 3000; ${failures} failed calls)`);
      expect(served).toBe('after');
      expect(pool.nodeFor(key)?.provider.address).toBe(`127.0.0.1:${replica.port}`);
      await waitFor(() => !Object.keys(pool.stats().nodes).includes(`127.0.0.1:${shard.primary.port}`), 5_000, 'the dead node\'s pool to be retired');
    } finally {
      await pool.end();
    }
  }, 60_000);
});
