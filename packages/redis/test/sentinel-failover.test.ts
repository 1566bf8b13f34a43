import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { sleep, waitFor } from './helpers.js';
import { ProcessGroup, clientsNamedOn, nodeClient, requireBinaries } from './topology-helpers.js';

// This file owns its own Sentinel group (primary 6392, replica 6393, sentinels 26393-26395) and
// fails it over; the shared group of scripts/services is never touched.
//
// What "no lost write" means with Redis's asynchronous replication: a write the old primary took
// but had not passed to its replica is gone after a failover, whatever the client does. A caller
// that needs a write to survive confirms it with `WAIT 1` (one replica has it), which a dedicated
// connection makes possible; every confirmed write must be on the new primary afterwards. With one
// replica that is sound: once it is promoted, the old primary has no replica left to confirm anything.
const tools = requireBinaries('redis-server', 'redis-sentinel');
const MASTER = 'pool-failover';
const SENTINELS = [26393, 26394, 26395];

function sentinelConfig(port: number): string {
  return [
    `sentinel monitor ${MASTER} 127.0.0.1 6392 2`,
    `sentinel down-after-milliseconds ${MASTER} 2000`,
    `sentinel failover-timeout ${MASTER} 10000`,
    `sentinel parallel-syncs ${MASTER} 2`,
    `sentinel announce-ip 127.0.0.1`,
    `sentinel announce-port ${port}`,
    '',
  ].join('\n');
}

interface Op {
  kind: 'push' | 'pop' | 'tx';
  started: number;
  ms: number;
  ok: boolean;
  port?: number;
}

describe.skipIf(!tools.available)('Sentinel failover under load', () => {
  const group = new ProcessGroup();
  beforeAll(async () => {
    await group.start(6392, []);
    await group.start(6393, ['--replicaof', '127.0.0.1', '6392']);
    for (const port of SENTINELS) await group.start(port, ['--sentinel'], sentinelConfig(port));
    // ready when a sentinel sees both replicas in sync and the other two sentinels
    const sentinel = nodeClient(26393);
    try {
      await waitFor(async () => {
        const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER)) as string[][];
        const synced = replicas.filter((flat) => flat[flat.indexOf('master-link-status') + 1] === 'ok' && !flat[flat.indexOf('flags') + 1]?.includes('down'));
        const others = (await sentinel.call('SENTINEL', 'SENTINELS', MASTER)) as unknown[];
        return synced.length === 1 && others.length === 2;
      }, 20_000, 'the sentinels to see the synced replica and each other');
    } finally {
      sentinel.disconnect();
    }
  }, 40_000);
  afterAll(() => group.stop());

  it('SENTINEL FAILOVER while 100 callers run BLPOP/LPUSH and MULTI/EXEC: no lost write, no caller past its deadline', async () => {
    const clientName = `poolt-failover-${randomBytes(3).toString('hex')}`;
    const list = 'failover:queue';
    const log = 'failover:log';
    const DEADLINE_MS = 10_000;
    const pool = createRedisPool({
      sentinels: SENTINELS.map((port) => ({ host: '127.0.0.1', port })),
      name: MASTER,
      clientName,
      pool: { max: 100, acquireTimeoutMs: DEADLINE_MS, retry: { minDelayMs: 20, maxDelayMs: 200 } },
    });
    const ops: Op[] = [];
    const pushed = new Set<string>(); // LPUSH confirmed by WAIT 1: must survive
    const popped = new Set<string>();
    const committed = new Set<string>(); // MULTI/EXEC confirmed by WAIT 1: must survive
    let stopping = false;
    let sequence = 0;

    /** One call with its own deadline: the pool's acquire deadline and a signal for the rest. */
    async function timed(kind: Op['kind'], work: (client: Redis) => Promise<void>): Promise<void> {
      const started = performance.now();
      let port: number | undefined;
      try {
        await pool.withConnection(async (client) => {
          port = client.options.port;
          await work(client);
        }, { signal: AbortSignal.timeout(DEADLINE_MS), timeoutMs: DEADLINE_MS });
        ops.push({ kind, started, ms: performance.now() - started, ok: true, ...(port !== undefined ? { port } : {}) });
      } catch {
        ops.push({ kind, started, ms: performance.now() - started, ok: false });
        await sleep(20);
      }
    }
    const producer = async () => {
      while (!stopping) {
        const value = `p${sequence++}`;
        await timed('push', async (client) => {
          await client.lpush(list, value);
          if (Number(await client.call('WAIT', '1', '200')) >= 1) pushed.add(value);
        });
      }
    };
    const consumer = async () => {
      while (!stopping) {
        await timed('pop', async (client) => {
          const reply = await client.blpop(list, 1);
          if (reply !== null) popped.add(reply[1]);
        });
      }
    };
    const transactor = async () => {
      while (!stopping) {
        const value = `t${sequence++}`;
        await timed('tx', async (client) => {
          const results = await client.multi().incr('failover:count').rpush(log, value).exec();
          if (results === null || results.some(([error]) => error !== null)) throw new Error('EXEC failed');
          if (Number(await client.call('WAIT', '1', '200')) >= 1) committed.add(value);
        });
      }
    };
    const callers = [
      ...Array.from({ length: 40 }, producer),
      ...Array.from({ length: 30 }, consumer),
      ...Array.from({ length: 30 }, transactor),
    ];
    const sentinel = nodeClient(26393);
    let newPort = 0;
    let failoverAt = 0;
    try {
      await sleep(1_500);
      const before = ops.filter((op) => op.ok).length;
      expect(before).toBeGreaterThan(100);
      failoverAt = performance.now();
      expect(await sentinel.call('SENTINEL', 'FAILOVER', MASTER)).toBe('OK');
      await waitFor(async () => {
        const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as [string, string];
        newPort = Number(port);
        return newPort !== 6392;
      }, 20_000, 'the sentinels to name a new primary');
      // keep the load on until every kind of call has succeeded on the new primary, and writes are
      // confirmed there again (once the sentinels have turned the old primary into its replica)
      await waitFor(() => (['push', 'pop', 'tx'] as const).every((kind) => ops.some((op) => op.ok && op.kind === kind && op.port === newPort)), 20_000, 'successes on the new primary');
      const confirmedBefore = pushed.size + committed.size;
      await waitFor(() => pushed.size + committed.size > confirmedBefore + 200, 30_000, 'writes confirmed by a replica of the new primary');
    } finally {
      stopping = true;
      await Promise.all(callers);
    }
    try {
      const firstOnNew = Math.min(...ops.filter((op) => op.ok && op.port === newPort).map((op) => op.started + op.ms));
      const failed = ops.filter((op) => !op.ok);
      const slowest = Math.max(...ops.map((op) => op.ms));
      console.log(`[sentinel failover] SENTINEL FAILOVER -> first success on the new primary ${newPort}: ${Math.round(firstOnNew - failoverAt)} ms; ` +
        `${ops.length} calls, ${failed.length} failed (retried by their callers), slowest ${Math.round(slowest)} ms; ` +
        `${pushed.size} pushes and ${committed.size} transactions confirmed`);

      // nothing confirmed is lost: every confirmed push was popped or is still in the list on the new
      // primary, and every committed transaction's entry is in the log there
      const admin = nodeClient(newPort);
      const remaining = new Set(await admin.lrange(list, 0, -1));
      const logged = new Set(await admin.lrange(log, 0, -1));
      const lostPushes = [...pushed].filter((value) => !popped.has(value) && !remaining.has(value));
      const lostCommits = [...committed].filter((value) => !logged.has(value));
      expect(lostPushes).toEqual([]);
      expect(lostCommits).toEqual([]);
      expect(pushed.size).toBeGreaterThan(100);
      expect(committed.size).toBeGreaterThan(100);
      // no caller waited past its deadline (plus the slack of a busy 2-core machine)
      expect(slowest).toBeLessThan(DEADLINE_MS + 2_000);
      // the pool left the old primary: none of its connections remain there
      const old = nodeClient(6392);
      await waitFor(async () => (await clientsNamedOn(old, clientName)).length === 0, 10_000, 'no pool connection left on the old primary');
      old.disconnect();
      admin.disconnect();
      expect(pool.sentinel?.current).toBe(`127.0.0.1:${newPort}`);
    } finally {
      sentinel.disconnect();
      await pool.end();
    }
  }, 60_000);

  it('a primary that dies: refused connects are retried until the sentinels promote the replica, within the callers\' deadlines', async () => {
    const sentinel = nodeClient(26393);
    const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as [string, string];
    const doomed = Number(port);
    // the other server must be a replica in sync, or no sentinel would promote it
    const survivor = doomed === 6392 ? 6393 : 6392;
    const probe = nodeClient(survivor);
    await waitFor(async () => String(await probe.info('replication')).includes('master_link_status:up'), 20_000, `${survivor} in sync with ${doomed}`);
    probe.disconnect();
    const pool = createRedisPool({ sentinels: SENTINELS.map((p) => `127.0.0.1:${p}`), name: MASTER, pool: { max: 10, acquireTimeoutMs: 20_000, retry: { minDelayMs: 50, maxDelayMs: 500 } } });
    try {
      await pool.withConnection((client) => client.ping());
      const killedAt = performance.now();
      await group.kill(doomed);
      let failures = 0;
      let slowest = 0;
      for (;;) {
        if (performance.now() - killedAt > 40_000) throw new Error(`no success on ${survivor} 40 s after the kill (${failures} failures)`);
        const started = performance.now();
        try {
          const where = await pool.withConnection(async (client) => {
            await client.rpush('death:list', 'x');
            return client.options.port;
          }, { timeoutMs: 20_000 });
          slowest = Math.max(slowest, performance.now() - started);
          if (where === survivor) break;
        } catch {
          slowest = Math.max(slowest, performance.now() - started);
          failures++;
          await sleep(100);
        }
      }
      console.log(`[sentinel primary death] SIGKILL of ${doomed} -> first success on ${survivor}: ${Math.round(performance.now() - killedAt)} ms (down-after-milliseconds 2000; ${failures} failed calls, slowest ${Math.round(slowest)} ms)`);
      expect(slowest).toBeLessThan(22_000);
      expect(pool.sentinel?.current).toBe(`127.0.0.1:${survivor}`);
    } finally {
      sentinel.disconnect();
      await pool.end();
    }
  }, 60_000);
});
