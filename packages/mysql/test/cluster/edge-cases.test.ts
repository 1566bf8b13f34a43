// PoolCluster edge cases found in review, side by side with mysql2's PoolCluster where ours claims to be
// a drop-in: canRetry: false on a node that goes down after connecting (a fault proxy in front of the
// shared server), retries that never let the event loop turn, global RegExp patterns, null
// pattern/selector, and end() with bad options.
import { requireService, startFaultProxy } from '@pool/testkit';
import type mysql from 'mysql2';
import { spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPoolCluster, type PoolCluster } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';
import { borrow, bothClusters, endCluster, recordEvents } from './harness.js';

const service = await requireService('mysql');
// the built package and mysql2, for the test that runs each cluster in a child process
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const mysql2Entry = fileURLToPath(new URL('../../node_modules/mysql2/index.js', import.meta.url));

/** A TCP relay to the test server that resets the first connection it accepts and relays the others. */
async function resetFirstConnection(): Promise<{ port: number; close(): void }> {
  const target = connectionOptions();
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    sockets.add(client);
    if (accepted++ === 0) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port!, target.host!);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A borrow's node id (then released), or its error's code (its message when it has none). */
async function borrowedId(cluster: mysql.PoolCluster, ...args: unknown[]): Promise<string> {
  const { error, connection } = await borrow(cluster, ...args);
  if (error) return error.code ?? error.message;
  connection!.release();
  return (connection as unknown as { _clusterId: string })._clusterId;
}

describe.skipIf(!service.available)('PoolCluster edge cases, side by side with mysql2', () => {
  it('canRetry: false and a node that goes down after it connected: the borrow fails at once with the connect error (not after the acquire deadline), as mysql2; the node still counts', async () => {
    const base = connectionOptions();
    const { mysql2, ours } = await bothClusters(async (c) => {
      const proxy = await startFaultProxy({ host: base.host!, port: base.port! });
      const cluster = c.callbackCluster({ canRetry: false, removeNodeErrorCount: 2 });
      const events = recordEvents(cluster);
      try {
        cluster.add('N1', { ...base, host: proxy.host, port: proxy.port, connectionLimit: 2 });
        cluster.add('N2', { ...base, connectionLimit: 2 });
        const before = await borrowedId(cluster, 'N*', 'ORDER');
        await proxy.refuse(true);
        proxy.resetAll(); // N1's idle connection is gone, and its new connects are refused
        await sleep(100);
        const started = performance.now();
        const down = [await borrowedId(cluster, 'N*', 'ORDER'), await borrowedId(cluster, 'N*', 'ORDER')];
        const fast = performance.now() - started < 3000;
        const after = await borrowedId(cluster, 'N*', 'ORDER');
        return { before, down, fast, after, events };
      } finally {
        await endCluster(cluster);
        await proxy.close();
      }
    });
    expect(mysql2).toEqual({ before: 'N1', down: ['ECONNREFUSED', 'ECONNREFUSED'], fast: true, after: 'N2', events: ['remove:N1'] });
    expect(ours).toEqual(mysql2);
  }, 60_000);

  it('canRetry going round nodes that refuse at once (a wrong password, removeNodeErrorCount: Infinity): the event loop keeps turning while the borrow retries, as with mysql2', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster({ removeNodeErrorCount: Infinity });
      let warns = 0;
      cluster.on('warn', () => warns++);
      cluster.add('A', { ...connectionOptions(), password: 'wrong-a' });
      cluster.add('B', { ...connectionOptions(), password: 'wrong-b' });
      let last = performance.now();
      let maxGap = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 10);
      const borrowing = borrow(cluster, '*');
      await sleep(1000);
      // neither cluster gives up on its own with an infinite error count: removing the nodes ends the borrow
      cluster.remove('*');
      const { error } = await borrowing;
      clearInterval(ticker);
      await endCluster(cluster);
      // ours paces its tries past the first round (test/cluster/retry-pace.test.ts): a few a second, not hundreds
      return { failed: error !== null, retried: warns > 3, loopTurned: maxGap < 500 };
    });
    expect(mysql2).toEqual({ failed: true, retried: true, loopTurned: true });
    expect(ours).toEqual(mysql2);
  }, 30_000);

  it('the same, bounded by a per-call timeoutMs: ours fails the borrow by its deadline and timers fire meanwhile', async () => {
    const cluster = createPoolCluster({ removeNodeErrorCount: Infinity });
    cluster.on('warn', () => undefined);
    cluster.add('A', { ...connectionOptions(), password: 'wrong-a' });
    cluster.add('B', { ...connectionOptions(), password: 'wrong-b' });
    try {
      let fired = 0;
      const ticker = setInterval(() => fired++, 10);
      const started = performance.now();
      const error = await cluster.getConnection('*', undefined, { timeoutMs: 500 }).then(() => undefined, (e: unknown) => e);
      const ms = performance.now() - started;
      clearInterval(ticker);
      expect(error).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
      expect(ms).toBeLessThan(1500);
      expect(fired).toBeGreaterThan(10);
    } finally {
      await cluster.end();
    }
  });

  it('a RegExp pattern with the g flag matches every node, as mysql2 (RR goes round all three); a null pattern and selector are mysql2\'s defaults', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      cluster.add('SLAVE1', connectionOptions());
      cluster.add('SLAVE2', connectionOptions());
      cluster.add('SLAVE3', connectionOptions());
      const global: string[] = [];
      for (let i = 0; i < 6; i++) global.push(await borrowedId(cluster, /SLAVE/g));
      const nulls = [await borrowedId(cluster, null, null), await borrowedId(cluster.of(null as never, null as never) as unknown as mysql.PoolCluster)];
      cluster.remove(/SLAVE[12]/g as never);
      const left = await borrowedId(cluster, '*');
      await endCluster(cluster);
      return { global, nulls, left };
    });
    expect(mysql2).toEqual({ global: ['SLAVE1', 'SLAVE2', 'SLAVE3', 'SLAVE1', 'SLAVE2', 'SLAVE3'], nulls: ['SLAVE1', 'SLAVE2'], left: 'SLAVE3' });
    expect(ours).toEqual(mysql2);
  });

  it('many borrows failing on one node at once: all are served by the other node; the node is removed at its removeNodeErrorCount-th failed borrow in both (a refused connect counts per borrow), and ours says so once, where mysql2 says it again per later failure and throws an uncaught ECONNREFUSED (difference)', () => {
    // each in a process of its own: mysql2's uncaught exception would otherwise land in this test run
    const run = (create: string) => {
      const script = `
        import mysql from ${JSON.stringify(mysql2Entry)};
        import { createPoolCluster } from ${JSON.stringify(dist)};
        const uncaught = [];
        process.on('uncaughtException', (error) => uncaught.push(error.code ?? error.message));
        const cluster = ${create}({ removeNodeErrorCount: 3 });
        const events = [];
        for (const event of ['warn', 'remove']) cluster.on(event, (payload) => events.push(event + ':' + (payload instanceof Error ? payload.code : payload)));
        // nothing listens on port 1: every connect is refused
        cluster.add('N1', { host: '127.0.0.1', port: 1, user: 'root', database: 'test', connectionLimit: 2 });
        cluster.add('N2', ${JSON.stringify({ ...connectionOptions(), connectionLimit: 10 })});
        const served = await Promise.all(Array.from({ length: 10 }, () => new Promise((resolve) => cluster.getConnection('N*', (error, connection) => {
          connection?.release();
          resolve(error ? error.code : connection._clusterId);
        }))));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await new Promise((resolve) => cluster.end(resolve));
        console.log(JSON.stringify({ served, events, uncaught }));
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      const { served, events, uncaught } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { served: string[]; events: string[]; uncaught: string[] };
      return { served, firstEvents: events.slice(0, 4), removes: events.filter((e) => e === 'remove:N1').length, uncaught };
    };
    const mysql2 = run('mysql.createPoolCluster');
    const ours = run('createPoolCluster');
    expect(mysql2.served).toEqual(Array(10).fill('N2'));
    // two failed borrows moved on, the third removes N1 (test/cluster/node-down-count.test.ts: the same with restoreNodeTimeout)
    expect(mysql2.firstEvents).toEqual(['warn:ECONNREFUSED', 'warn:ECONNREFUSED', 'remove:N1', 'warn:ECONNREFUSED']);
    expect(mysql2.removes).toBeGreaterThan(1);
    expect(mysql2.uncaught).toContain('ECONNREFUSED');
    expect(ours).toEqual({ served: Array(10).fill('N2'), firstEvents: mysql2.firstEvents, removes: 1, uncaught: [] });
  }, 60_000);

  it('one connection reset during a burst of borrows on a node that is up: the node stays in the cluster and keeps serving, as in mysql2 (its error count goes up once per failed connect, not once per borrow waiting on it)', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const relay = await resetFirstConnection();
      const cluster = c.callbackCluster(); // restoreNodeTimeout 0: a node that reaches removeNodeErrorCount (5) is removed for good
      const events = recordEvents(cluster);
      try {
        cluster.add('N1', { ...connectionOptions(), port: relay.port, connectionLimit: 10 });
        cluster.add('N2', { ...connectionOptions(), connectionLimit: 20 });
        // 20 borrows at once, RR: 10 wait on N1, whose first connect is reset
        const burst = await Promise.all(Array.from({ length: 20 }, () => borrowedId(cluster, 'N*')));
        const later: string[] = [];
        for (let i = 0; i < 4; i++) later.push(await borrowedId(cluster, 'N*'));
        const errorCount = c.name === 'mysql2'
          ? (cluster as unknown as { _nodes: Record<string, { errorCount: number } | undefined> })._nodes.N1?.errorCount
          : (cluster as unknown as PoolCluster).stats().N1?.errorCount;
        return { failed: burst.filter((id) => id !== 'N1' && id !== 'N2'), removed: events.includes('remove:N1'), later: [...new Set(later)].sort(), errorCount };
      } finally {
        await endCluster(cluster);
        relay.close();
      }
    });
    expect(mysql2).toEqual({ failed: [], removed: false, later: ['N1', 'N2'], errorCount: 0 });
    expect(ours).toEqual(mysql2);
  });

  it('end() with bad options rejects (POOL_INVALID_OPTION) and ends nothing: the cluster still serves, and a later end() ends it', async () => {
    const cluster = createPoolCluster();
    cluster.add('NODE1', connectionOptions());
    const events = recordEvents(cluster);
    await cluster.query('SELECT 1');
    for (const timeoutMs of [-1, Number.NaN, '100' as never]) {
      await expect(cluster.end({ timeoutMs })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
    }
    const viaCallback = await new Promise((resolve) => cluster.end({ timeoutMs: -5 }, (error) => resolve(error)));
    expect(viaCallback).toMatchObject({ code: 'POOL_INVALID_OPTION' });
    const [[row]] = await cluster.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
    expect(row).toEqual({ one: 1 });
    await cluster.end({ timeoutMs: 1000 });
    expect(cluster.stats().NODE1).toMatchObject({ closed: true, size: 0 });
    await expect(cluster.query('SELECT 1')).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    expect(events).toEqual([]);
  });
});
