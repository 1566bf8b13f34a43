// PoolCluster nodes going down and coming back: two private MariaDBs (@pool/testkit, free loopback
// ports), told apart by `SELECT @@port`; mysql2's PoolCluster and ours side by side where they agree,
// and the one deliberate difference (a lone node's restart) asserted for both.
import { requirePrivateServer, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
import type mysql from 'mysql2';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolCluster, type PoolCluster } from '../../src/index.js';
import { borrow, bothClusters, endCluster, recordEvents, type ClusterContender } from './harness.js';

const check = requirePrivateServer('mariadb');

/** `SELECT @@port` through `target`'s callback API: the port, or the error's code. */
function portOf(target: mysql.PoolNamespace): Promise<number | string> {
  return new Promise((resolve) => target.query('SELECT @@port AS port', (error, rows) => resolve(error ? ((error as { code?: string }).code ?? error.message) : (rows as Array<{ port: number }>)[0]!.port)));
}

/** A borrow's port (then released), or its error's code. */
async function borrowedPort(cluster: mysql.PoolCluster, ...args: unknown[]): Promise<number | string> {
  const { error, connection } = await borrow(cluster, ...args);
  if (error) return error.code ?? error.message;
  const port = await new Promise<number | string>((resolve) => connection!.query('SELECT @@port AS port', (e, rows) => resolve(e ? String((e as { code?: string }).code) : (rows as Array<{ port: number }>)[0]!.port)));
  connection!.release();
  return port;
}

describe.skipIf(!check.available)('PoolCluster nodes down and back (private MariaDBs)', () => {
  let n1: PrivateMariadb;
  let n2: PrivateMariadb;
  const nodeConfig = (server: PrivateMariadb, c: ClusterContender, extra: Record<string, unknown> = {}) => ({
    host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2,
    ...(c.name === '@pool/mysql' ? { pool: { acquireTimeoutMs: 10_000 } } : {}), ...extra,
  });
  beforeAll(async () => {
    [n1, n2] = await Promise.all([startPrivateMariadb(), startPrivateMariadb()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([n1?.dispose(), n2?.dispose()]);
  });
  afterEach(async () => {
    await Promise.all([n1.start(), n2.start()]);
  }, 30_000);

  it('a node down from the start: canRetry moves each borrow to the next node (warn), the node goes offline at removeNodeErrorCount, and online at its first borrow after restoreNodeTimeout once it is back; the same events and ports as mysql2', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      await n1.stop();
      const cluster = c.callbackCluster({ removeNodeErrorCount: 3, restoreNodeTimeout: 1500 });
      const events = recordEvents(cluster);
      cluster.add('N1', nodeConfig(n1, c));
      cluster.add('N2', nodeConfig(n2, c));
      const down: Array<number | string> = [];
      for (let i = 0; i < 5; i++) down.push(await borrowedPort(cluster, 'N*'));
      // only N1 matches, and it is offline: mysql2's POOL_NONEONLINE
      const offline = await borrowedPort(cluster, 'N1');
      const eventsWhileDown = events.splice(0);
      await n1.start();
      await sleep(1600); // restoreNodeTimeout
      const back: Array<number | string> = [];
      for (let i = 0; i < 4; i++) back.push(await borrowedPort(cluster, 'N*'));
      await endCluster(cluster);
      return { down, offline, eventsWhileDown, back, eventsBack: events };
    });
    expect(mysql2).toEqual({
      down: Array(5).fill(n2.port),
      offline: 'POOL_NONEONLINE',
      eventsWhileDown: ['warn:ECONNREFUSED', 'warn:ECONNREFUSED', 'offline:N1', 'warn:ECONNREFUSED'],
      back: expect.arrayContaining([n1.port, n2.port]),
      eventsBack: ['online:N1'],
    });
    expect(ours).toEqual(mysql2);
  }, 40_000);

  it('canRetry: false fails the borrow with the connect error, no warn; removeNodeErrorCount still counts (remove)', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      await n1.stop();
      const cluster = c.callbackCluster({ canRetry: false, removeNodeErrorCount: 2 });
      const events = recordEvents(cluster);
      cluster.add('N1', nodeConfig(n1, c));
      cluster.add('N2', nodeConfig(n2, c));
      const served: Array<number | string> = [];
      for (let i = 0; i < 5; i++) served.push(await borrowedPort(cluster, 'N*', 'ORDER'));
      await endCluster(cluster);
      return { served, events };
    });
    expect(mysql2).toEqual({ served: ['ECONNREFUSED', 'ECONNREFUSED', n2.port, n2.port, n2.port], events: ['remove:N1'] });
    expect(ours).toEqual(mysql2);
  }, 30_000);

  it('a node stopped under a cluster that has connected: borrows and one-shot queries move to the other node at once (no caller error), the node goes offline, and comes back', async () => {
    const cluster = createPoolCluster({ restoreNodeTimeout: 1000 }) as PoolCluster;
    const events = recordEvents(cluster);
    const c = { name: '@pool/mysql' } as ClusterContender;
    cluster.add('N1', nodeConfig(n1, c));
    cluster.add('N2', nodeConfig(n2, c));
    try {
      const warm: Array<number | string> = [];
      for (let i = 0; i < 4; i++) warm.push(await portOf(cluster.of('N*') as unknown as mysql.PoolNamespace));
      expect(warm).toEqual([n1.port, n2.port, n1.port, n2.port]);
      await n1.stop();
      const started = performance.now();
      const served: Array<number | string> = [];
      for (let i = 0; i < 8; i++) served.push(await portOf(cluster.of('N*') as unknown as mysql.PoolNamespace));
      for (let i = 0; i < 4; i++) served.push(await borrowedPort(cluster as unknown as mysql.PoolCluster, 'N*'));
      const ms = performance.now() - started;
      expect(served).toEqual(Array(12).fill(n2.port));
      // each failover waited for one refused connect, not for the 10 s acquire deadline
      expect(ms).toBeLessThan(3000);
      expect(events).toContain('offline:N1');
      expect(events.filter((e) => e.startsWith('warn:'))).toHaveLength(5);
      expect(cluster.stats().N1).toMatchObject({ online: false, errorCount: 5 });
      await n1.start();
      await sleep(1100);
      const back: Array<number | string> = [];
      for (let i = 0; i < 4; i++) back.push(await portOf(cluster.of('N*') as unknown as mysql.PoolNamespace));
      expect(back).toContain(n1.port);
      expect(events.at(-1)).toBe('online:N1');
    } finally {
      await cluster.end();
    }
  }, 40_000);

  it('a frozen node (SIGSTOP): a statement already sent there fails with POOL_SERVER_UNRESPONSIVE and is not retried (it may have run); a borrow stuck there fails the same way within about 5 s, counts, and is served by the other node', async () => {
    const cluster = createPoolCluster() as PoolCluster;
    const events = recordEvents(cluster);
    const c = { name: '@pool/mysql' } as ClusterContender;
    cluster.add('N1', nodeConfig(n1, c));
    cluster.add('N2', nodeConfig(n2, c));
    const ns = cluster.of('N*') as unknown as mysql.PoolNamespace;
    try {
      expect([await portOf(ns), await portOf(ns)]).toEqual([n1.port, n2.port]);
      n1.freeze();
      // N1's turn: its idle connection is lent (as mysql2 lends it), the statement gets no reply
      let started = performance.now();
      expect(await portOf(ns)).toBe('POOL_SERVER_UNRESPONSIVE');
      expect(performance.now() - started).toBeLessThan(8000);
      expect(events).toEqual([]);
      expect(await portOf(ns)).toBe(n2.port);
      // N1's turn again: a new connection whose handshake gets no reply fails the borrow, which moves to N2
      started = performance.now();
      expect(await portOf(ns)).toBe(n2.port);
      expect(performance.now() - started).toBeLessThan(8000);
      expect(events).toEqual(['warn:POOL_SERVER_UNRESPONSIVE']);
      expect(cluster.stats().N1).toMatchObject({ errorCount: 1 });
    } finally {
      n1.thaw();
      await cluster.end({ timeoutMs: 2000 });
    }
  }, 40_000);

  it('deliberate difference: the only node of a pattern restarts: mysql2 fails the call (4 warns, then removes the node for good: POOL_NOEXIST); ours waits within its deadline and the node stays', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      const events = recordEvents(cluster);
      cluster.add('MASTER', nodeConfig(n1, c));
      const master = cluster.of('MASTER');
      const before = await portOf(master);
      await n1.stop();
      const during = portOf(master); // sent while the server is down
      await sleep(1000);
      await n1.start();
      const first = await during;
      const after = await portOf(master);
      await endCluster(cluster);
      return { before, first, after, events };
    });
    expect(mysql2).toEqual({ before: n1.port, first: 'ECONNREFUSED', after: 'POOL_NOEXIST', events: [...Array(4).fill('warn:ECONNREFUSED'), 'remove:MASTER'] });
    expect(ours).toEqual({ before: n1.port, first: n1.port, after: n1.port, events: [] });
  }, 40_000);
});
