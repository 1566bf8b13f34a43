// mysql2's PoolCluster and ours side by side on the shared server: nodes told apart by their database
// (pool_cluster_1..3), so which node served a call is `SELECT DATABASE()`.
import { poolSource } from '@pool/core/adapter-kit';
import { requireService, waitUntil } from '@pool/testkit';
import mysql from 'mysql2';
import mysqlPromise, { type RowDataPacket } from 'mysql2/promise';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolCluster, isPoolError, PoolCluster } from '../../src/index.js';
import { adminConnection, connectionOptions } from '../helpers.js';
import { borrow, bothClusters, endCluster, recordEvents } from './harness.js';

const service = await requireService('mysql');
const databases = ['pool_cluster_1', 'pool_cluster_2', 'pool_cluster_3'];
const node = (i: number, extra: Record<string, unknown> = {}) => ({ ...connectionOptions(), database: databases[i - 1], connectionLimit: 2, ...extra });
const servedBy = async (conn: mysql.PoolConnection): Promise<string> => {
  const rows = await new Promise<RowDataPacket[]>((resolve, reject) => conn.query('SELECT DATABASE() AS db', (e, r) => (e ? reject(e) : resolve(r as RowDataPacket[]))));
  conn.release();
  return rows[0]!.db as string;
};

describe.skipIf(!service.available)('createPoolCluster on the shared server, side by side with mysql2', () => {
  beforeAll(async () => {
    const admin = await adminConnection();
    for (const db of databases) await admin.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
    await admin.end();
  });
  afterAll(async () => {
    const admin = await adminConnection();
    for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.end();
  });

  it('query/execute on the cluster itself run on of(\'*\'); mysql2\'s callback cluster has none, and mysql2/promise\'s rejects with a TypeError', async () => {
    expect((mysql.createPoolCluster() as unknown as { query?: unknown }).query).toBeUndefined();
    const theirs = mysqlPromise.createPoolCluster();
    theirs.add('NODE1', node(1));
    await expect((theirs as unknown as { query(sql: string): Promise<unknown> }).query('SELECT 1')).rejects.toThrow(TypeError);
    await theirs.end();
    const cluster = createPoolCluster();
    cluster.add('NODE1', node(1));
    cluster.add('NODE2', node(2));
    const [[a]] = await cluster.query<RowDataPacket[]>('SELECT DATABASE() AS db');
    const [[b]] = await cluster.execute<RowDataPacket[]>('SELECT DATABASE() AS db');
    expect([a!.db, b!.db]).toEqual([databases[0], databases[1]]);
    await cluster.end();
  });

  it('both modules export createPoolCluster: mysql2 (callback) and mysql2/promise (promise); ours is one object for both', () => {
    expect(typeof mysql.createPoolCluster).toBe('function');
    expect(typeof mysqlPromise.createPoolCluster).toBe('function');
    const cluster = createPoolCluster();
    expect(cluster).toBeInstanceOf(PoolCluster);
    expect(cluster.config).toEqual({ canRetry: true, removeNodeErrorCount: 5, restoreNodeTimeout: 0, defaultSelector: 'RR' });
    expect(cluster.poolCluster).toBe(cluster);
  });

  it('RR goes round the nodes of a pattern in the order they were added; ORDER always takes the first; RANDOM stays within the pattern', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      cluster.add('NODE1', node(1));
      cluster.add('NODE2', node(2));
      cluster.add('NODE3', node(3));
      cluster.add('OTHER', node(1));
      const served = async (...args: unknown[]) => {
        const { error, connection } = await borrow(cluster, ...args);
        if (error) throw error;
        return { db: await servedBy(connection!), id: (connection as unknown as { _clusterId: string })._clusterId };
      };
      const rr: string[] = [];
      for (let i = 0; i < 6; i++) rr.push((await served('NODE*', 'RR')).db);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await served('NODE*')).id); // the default selector, RR, its own round
      const order: string[] = [];
      for (let i = 0; i < 3; i++) order.push((await served('NODE*', 'ORDER')).db);
      const random = new Set<string>();
      for (let i = 0; i < 12; i++) random.add((await served('NODE*', 'random')).db);
      const single = (await served('OTHER')).id;
      await endCluster(cluster);
      return { rr, ids, order, random: [...random].every((db) => databases.includes(db)), single };
    });
    expect(mysql2.rr).toEqual([...databases, ...databases]);
    expect(mysql2.order).toEqual([databases[0], databases[0], databases[0]]);
    expect(ours).toEqual(mysql2);
  });

  it('of(pattern).query / .execute in the callback form and the promise form run on the picked node (RR per namespace)', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      cluster.add('NODE1', node(1));
      cluster.add('NODE2', node(2));
      const ns = cluster.of('NODE*');
      const viaQuery = await new Promise<unknown>((resolve) => ns.query('SELECT DATABASE() AS db, ? AS n', [1], (error, rows) => resolve(error ?? rows)));
      const viaExecute = await new Promise<unknown>((resolve) => ns.execute('SELECT DATABASE() AS db, ? AS n', [2], (error, rows) => resolve(error ?? rows)));
      // the Query a callback query returns streams its rows as mysql2's does
      const streamed = await new Promise<unknown[]>((resolve, reject) => {
        const rows: unknown[] = [];
        ns.query('SELECT DATABASE() AS db').on('result', (row) => rows.push(row)).on('error', reject).on('end', () => resolve(rows));
      });
      await endCluster(cluster);

      const promised = c.promiseCluster();
      promised.add('NODE1', node(1));
      promised.add('NODE2', node(2));
      const pns = promised.of('NODE*');
      const [rows1] = await pns.query<RowDataPacket[]>('SELECT DATABASE() AS db');
      const [rows2] = await pns.execute<RowDataPacket[]>('SELECT DATABASE() AS db, ? AS n', [3]);
      const conn = await promised.getConnection('NODE*', 'ORDER');
      const [rows3] = await conn.query<RowDataPacket[]>('SELECT DATABASE() AS db');
      conn.release();
      const clusterId = (conn.connection as unknown as { _clusterId: string })._clusterId;
      await promised.end();
      return { viaQuery, viaExecute, streamed, promise: [rows1, rows2, rows3], clusterId };
    });
    expect(mysql2.viaQuery).toEqual([{ db: databases[0], n: 1 }]);
    expect(mysql2.viaExecute).toEqual([{ db: databases[1], n: 2 }]);
    expect(ours).toEqual(mysql2);
  });

  it('add(config) takes ids CLUSTER::1, CLUSTER::2...; an id already taken is ignored (the first node keeps it), as mysql2', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      cluster.add(node(1));
      cluster.add(node(2));
      cluster.add('NODE', node(3));
      cluster.add('NODE', node(1));
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { connection } = await borrow(cluster, 'CLUSTER::*');
        ids.push((connection as unknown as { _clusterId: string })._clusterId);
        connection!.release();
      }
      const { connection } = await borrow(cluster, 'NODE');
      const db = await servedBy(connection!);
      await endCluster(cluster);
      return { ids, db };
    });
    expect(mysql2).toEqual({ ids: ['CLUSTER::1', 'CLUSTER::2'], db: databases[2] });
    expect(ours).toEqual(mysql2);
  });

  it('a pattern matching nothing: POOL_NOEXIST "Pool does Not exist." (mysql2\'s text) to getConnection, query and execute, callback and promise; no event', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      const events = recordEvents(cluster);
      cluster.add('NODE1', node(1));
      const shapeOf = (e: unknown) => ({ class: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message });
      const results = [
        shapeOf((await borrow(cluster, 'NOPE*')).error),
        shapeOf((await borrow(cluster.of('NOPE'))).error),
        shapeOf(await new Promise((resolve) => cluster.of('NOPE').query('SELECT 1', (e) => resolve(e)))),
        shapeOf(await new Promise((resolve) => cluster.of('NOPE').execute('SELECT 1', (e) => resolve(e)))),
      ];
      // a node removed with remove(pattern) is gone too (no 'remove' event: mysql2 emits that only for a node its errors took out)
      cluster.remove('NODE*');
      results.push(shapeOf((await borrow(cluster, 'NODE1')).error));
      await endCluster(cluster);
      const promised = c.promiseCluster();
      promised.add('NODE1', node(1));
      results.push(shapeOf(await promised.getConnection('NOPE').catch((e: unknown) => e)));
      results.push(shapeOf(await promised.of('NOPE').query('SELECT 1').catch((e: unknown) => e)));
      results.push(shapeOf(await promised.of('NOPE').execute('SELECT 1').catch((e: unknown) => e)));
      await promised.end();
      return { results, events };
    });
    expect(mysql2.results[0]).toEqual({ class: 'Error', code: 'POOL_NOEXIST', message: 'Pool does Not exist.' });
    expect(new Set(mysql2.results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(mysql2.events).toEqual([]);
    expect(ours).toEqual(mysql2);
  });

  it('a wrong password on one node: the server\'s error after mysql2\'s 4 warns and a remove (or offline, then POOL_NONEONLINE); the other nodes serve; no password in any error or event', async () => {
    const secret = 'wrong-secret-pw-3f9a';
    const { mysql2, ours } = await bothClusters(async (c) => {
      const out: Record<string, unknown> = {};
      const seen: unknown[] = [];
      {
        const cluster = c.callbackCluster();
        const events = recordEvents(cluster);
        cluster.on('warn', (e) => seen.push(e));
        cluster.add('GOOD', node(1));
        cluster.add('BAD', node(2, { password: secret }));
        const { error } = await borrow(cluster, 'BAD');
        seen.push(error);
        out.removed = { error: { code: error?.code, errno: (error as { errno?: number }).errno }, events: [...events] };
        out.afterRemove = (await borrow(cluster, 'BAD')).error?.code;
        events.length = 0;
        // a pattern with both: every call is served (by GOOD), BAD's failures are 'warn's until it is removed
        const dbs: string[] = [];
        cluster.add('BAD2', node(2, { password: secret }));
        for (let i = 0; i < 8; i++) {
          const got = await borrow(cluster, '*');
          if (got.error) throw got.error;
          dbs.push(await servedBy(got.connection!));
        }
        out.mixed = { dbs, events };
        if (c.name === '@pool/mysql') seen.push(inspect(cluster, { depth: 8, showHidden: true }), JSON.stringify((cluster as unknown as PoolCluster).stats()));
        await endCluster(cluster);
      }
      {
        const cluster = c.callbackCluster({ restoreNodeTimeout: 60_000 });
        const events = recordEvents(cluster);
        cluster.add('BAD', node(2, { password: secret }));
        const first = await borrow(cluster, 'BAD');
        const second = await borrow(cluster, 'BAD');
        seen.push(first.error, second.error);
        out.offline = { first: first.error?.code, second: [second.error?.code, second.error?.message], events };
        await endCluster(cluster);
      }
      out.leaked = seen.some((e) => `${inspect(e)} ${JSON.stringify(e)} ${(e as Error | null)?.stack}`.includes(secret));
      return out;
    });
    expect(mysql2.removed).toEqual({
      error: { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 },
      events: [...Array(4).fill('warn:ER_ACCESS_DENIED_ERROR'), 'remove:BAD'],
    });
    expect(mysql2.afterRemove).toBe('POOL_NOEXIST');
    expect(mysql2.offline).toMatchObject({ second: ['POOL_NONEONLINE', 'Pool does Not have online node.'] });
    expect(ours).toEqual(mysql2);
    expect(ours.leaked).toBe(false);
  });

  it('end() ends every node\'s pool and calls back once; a second end() calls back too; afterwards ours fails calls with POOL_CLOSED ("Pool is closed.")', async () => {
    const admin = await adminConnection();
    const open = async () => {
      const [rows] = await admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB IN (?)', [databases]);
      return Number(rows[0]!.n);
    };
    try {
      const { mysql2, ours } = await bothClusters(async (c) => {
        await waitUntil(async () => (await open()) === 0, 'the connections of earlier tests to be gone', 3000, 20);
        const cluster = c.callbackCluster();
        for (const i of [1, 2, 3]) cluster.add(`NODE${i}`, node(i));
        for (let i = 0; i < 3; i++) await servedBy((await borrow(cluster, 'NODE*')).connection!);
        const before = await open();
        const first = await endCluster(cluster);
        const second = await endCluster(cluster);
        // the server drops a thread a moment after its client's COM_QUIT
        const after = await waitUntil(async () => (await open()) === 0, 'every node connection to be gone', 3000, 20).then(() => 0, () => open());
        return { before, first, second, after };
      });
      expect(mysql2).toEqual({ before: 3, first: null, second: null, after: 0 });
      expect(ours).toEqual(mysql2);
    } finally {
      await admin.end();
    }
    const cluster = createPoolCluster();
    cluster.add('NODE1', node(1));
    cluster.add('NODE2', node(2));
    const events = recordEvents(cluster);
    await cluster.query('SELECT 1');
    await cluster.end();
    expect(Object.values(cluster.stats()).map((s) => s.closed)).toEqual([true, true]);
    for (const error of [
      await cluster.getConnection().catch((e: unknown) => e),
      await cluster.of('NODE*').query('SELECT 1').catch((e: unknown) => e),
      (await borrow(cluster as unknown as mysql.PoolCluster, 'NODE1')).error,
    ]) {
      expect(isPoolError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'POOL_CLOSED' });
      expect((error as Error).message.startsWith('Pool is closed.')).toBe(true);
    }
    expect(() => cluster.add('NODE3', node(3))).toThrow(/^Pool is closed\./);
    expect(events).toEqual([]); // no warn, no node counted down for a closed cluster
  });

  it('remove(pattern) lets a node\'s borrowed connection finish: its pool ends once it is back, and the cluster\'s end() waits for it too', async () => {
    const cluster = createPoolCluster();
    cluster.add('NODE1', node(1));
    cluster.add('NODE2', node(2));
    const held = await cluster.getConnection('NODE1');
    cluster.remove('NODE1');
    expect([...cluster.nodes.keys()]).toEqual(['NODE2']);
    const [[row]] = await held.query<RowDataPacket[]>('SELECT DATABASE() AS db'); // still usable by its borrower
    expect(row!.db).toBe(databases[0]);
    let ended = false;
    const ending = cluster.end().then(() => {
      ended = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toBe(false);
    held.release();
    await ending;
    expect(ended).toBe(true);
  });

  it('end({ timeoutMs }) bounds a removed node\'s wait for its borrowed connection too (remove() had started it with the default 30 s)', async () => {
    const cluster = createPoolCluster();
    cluster.add('NODE1', node(1));
    cluster.add('NODE2', node(2));
    const held = await cluster.getConnection('NODE1');
    cluster.remove('NODE1');
    const started = performance.now();
    await cluster.end({ timeoutMs: 200 });
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(150);
    expect(tookMs).toBeLessThan(5_000);
    // the connection was closed under its borrower after the 200 ms; its release is a no-op
    await expect(held.query('SELECT 1')).rejects.toBeDefined();
    held.release();
  });

  it('a busy node\'s deadline (POOL_TIMEOUT) and bad call options reach the caller without counting against the node or a retry elsewhere', async () => {
    const cluster = createPoolCluster({ removeNodeErrorCount: 1 });
    const events = recordEvents(cluster);
    cluster.add('NODE1', node(1, { connectionLimit: 1 }));
    cluster.add('NODE2', node(2));
    try {
      const held = await cluster.getConnection('NODE1');
      const busy = await cluster.getConnection('NODE1', undefined, { timeoutMs: 150 }).then(() => undefined, (e: unknown) => e);
      expect(busy).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'acquire' });
      const bad = await cluster.getConnection('NODE*', undefined, { timeoutMs: -1 }).then(() => undefined, (e: unknown) => e);
      expect(bad).toMatchObject({ code: 'POOL_INVALID_OPTION' });
      held.release();
      expect(events).toEqual([]);
      expect(cluster.stats().NODE1).toMatchObject({ errorCount: 0, online: true });
      expect([...cluster.nodes.keys()]).toEqual(['NODE1', 'NODE2']);
    } finally {
      await cluster.end({ timeoutMs: 2000 });
    }
  });

  it('a call after end(): mysql2 sends it to its ended node pools (4 warns "Pool is closed.", the node removed, then POOL_NOEXIST); ours fails it with POOL_CLOSED and leaves the nodes be', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster();
      const events = recordEvents(cluster);
      cluster.add('NODE1', node(1));
      await endCluster(cluster);
      const first = (await borrow(cluster)).error;
      const second = (await borrow(cluster)).error;
      return { first: [first?.code, first?.message.slice(0, 15)], second: second?.code, events };
    });
    expect(mysql2).toEqual({ first: [undefined, 'Pool is closed.'], second: 'POOL_NOEXIST', events: [...Array(4).fill('warn:Pool is closed.'), 'remove:NODE1'] });
    expect(ours).toEqual({ first: ['POOL_CLOSED', 'Pool is closed.'], second: 'POOL_CLOSED', events: [] });
  });

  it('a node\'s own options reach the namespace\'s one-shot calls: queryTimeoutMs (POOL_TIMEOUT phase query), per-call options, streaming, and the release reset', async () => {
    const cluster = createPoolCluster();
    cluster.add('SLOW', node(1, { queryTimeoutMs: 300 }));
    cluster.add('FAST', node(2, { connectionLimit: 1 })); // one connection: the next borrower gets the one just released
    try {
      const timedOut = await cluster.of('SLOW').query('SELECT SLEEP(2)').then(() => undefined, (e: unknown) => e);
      expect(timedOut).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'query' });
      const cut = await cluster.of('FAST').execute('SELECT SLEEP(2)', [], { queryTimeoutMs: 200 }).then(() => undefined, (e: unknown) => e);
      expect(cut).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'query' });
      const rows: unknown[] = [];
      for await (const row of cluster.of('FAST').query('SELECT DATABASE() AS db UNION ALL SELECT 2').stream()) rows.push(row);
      expect(rows).toEqual([{ db: databases[1] }, { db: '2' }]);
      // a transaction a borrower left open is rolled back before the next borrower gets the connection
      const conn = await cluster.getConnection('FAST');
      await conn.query('START TRANSACTION');
      const thread = conn.threadId;
      conn.release();
      const again = await cluster.getConnection('FAST');
      const [[state]] = await again.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id, @@in_transaction AS inTrx');
      again.release();
      expect(state).toEqual({ id: thread, inTrx: 0 });
      expect(cluster.stats().FAST).toMatchObject({ borrowed: 0 });
    } finally {
      await cluster.end();
    }
  });

  it('stats() by node: the pool\'s sizes and totals, the error count and whether it is online; [poolSource] lists every node\'s pool', async () => {
    const cluster = createPoolCluster({ restoreNodeTimeout: 60_000, removeNodeErrorCount: 1 });
    cluster.add('GOOD', node(1));
    cluster.add('BAD', node(2, { password: 'nope' }));
    await cluster.of('GOOD').query('SELECT 1');
    await cluster.getConnection('BAD').catch(() => undefined);
    const stats = cluster.stats();
    expect(stats.GOOD).toMatchObject({ size: 1, idle: 1, borrowed: 0, errorCount: 0, online: true });
    expect(stats.BAD).toMatchObject({ size: 0, errorCount: 1, online: false });
    expect(stats.BAD!.totals.createErrors).toBeGreaterThanOrEqual(1);
    expect([...cluster.nodes.keys()]).toEqual(['GOOD', 'BAD']);
    expect(cluster[poolSource]()).toHaveLength(2);
    await cluster.end();
  });

  it('options are checked: an unknown key, a wrong type, a bad selector, a node config with replicas throw POOL_INVALID_OPTION (mysql2 ignores them, or throws a TypeError at of())', () => {
    expect(() => mysql.createPoolCluster().of('*', 'FIRST')).toThrow(TypeError);
    expect(() => createPoolCluster({ canRetry: 'yes' } as never)).toThrow(/canRetry/);
    expect(() => createPoolCluster({ restoreNodeTimout: 1 } as never)).toThrow(/did you mean `restoreNodeTimeout`/);
    expect(() => createPoolCluster({ defaultSelector: 'FIRST' } as never)).toThrow(/defaultSelector/);
    const cluster = createPoolCluster({ defaultSelector: 'order' });
    expect(cluster.config.defaultSelector).toBe('ORDER');
    expect(() => cluster.of('*', 'FIRST')).toThrow(/'RR', 'RANDOM' or 'ORDER'/);
    expect(() => cluster.add('R', { ...node(1), replicas: [{ port: 3307 }] } as never)).toThrow(/one server/);
    expect(() => cluster.add('X', { ...node(1), connectionLimit: 'ten' } as never)).toThrow(/connectionLimit/);
    expect(cluster.stats()).toEqual({});
  });
});
