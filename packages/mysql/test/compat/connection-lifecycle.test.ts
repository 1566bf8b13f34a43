// What a ported app does with the pool and its connections over their life: destroy, ping,
// transactions in callback form, conn.promise(), calls after end(), pool.config, idle trimming.
// mysql2's pool and ours side by side on the real server.
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { adminConnection, connectionOptions } from '../helpers.js';
import { callback, endPool, shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

type Rows = mysql.RowDataPacket[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!service.available)('connection lifecycle: the same outcome as mysql2.createPool', () => {
  it('conn.destroy() takes the connection out of the pool: the next borrower gets a new one (a new \'connection\' event)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      let created = 0;
      pool.on('connection', () => created++);
      const [, first] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const firstId = first.threadId;
      first.destroy();
      const [error, second] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const fresh = second.threadId !== firstId;
      second.release();
      const [, rows] = await callback<[unknown, Rows]>((cb) => pool.query('SELECT 1 AS ok', cb));
      await endPool(pool);
      return { error, fresh, created, rows };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ error: null, fresh: true, created: 2, rows: [{ ok: 1 }] });
  });

  it('promise pool: conn.destroy() with a caller queued: the caller gets a new connection', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const first = await pool.getConnection();
      const firstId = first.threadId;
      const queued = pool.getConnection();
      await sleep(20);
      first.destroy();
      const second = await queued;
      const fresh = second.threadId !== firstId;
      second.release();
      await pool.end();
      return fresh;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(true);
  });

  it('callback connection: ping(cb), beginTransaction(cb) / commit(cb) / rollback(cb), and conn.promise()', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [, conn] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const [pingError] = await callback<[unknown]>((cb) => conn.ping(cb));
      const [beginError] = await callback<[unknown]>((cb) => conn.beginTransaction(cb));
      const [, inside] = await callback<[unknown, Rows]>((cb) => conn.query('SELECT @@in_transaction AS t', cb));
      const [commitError] = await callback<[unknown]>((cb) => conn.commit(cb));
      await callback((cb) => conn.beginTransaction(cb));
      const [rollbackError] = await callback<[unknown]>((cb) => conn.rollback(cb));
      const [[viaPromise]] = await conn.promise().query<Rows>('SELECT @@in_transaction AS t');
      await conn.promise().ping();
      conn.release();
      await endPool(pool);
      return { pingError, beginError, inside: inside[0]!.t, commitError, rollbackError, after: viaPromise!.t };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ pingError: undefined, beginError: null, inside: 1, commitError: null, rollbackError: null, after: 0 });
  });

  it('gracefulEnd: conn.end() closes the connection instead of releasing it; the next borrower gets a new one', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1, gracefulEnd: true });
      const [, first] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const id = first.threadId;
      await callback((cb) => first.end(cb as never));
      const [error, second] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const fresh = second.threadId !== id;
      second.release();
      await endPool(pool);
      return { error, fresh };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ error: null, fresh: true });
  });

  it('changeUser on one connection does not leak into connections opened later', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 2 });
      const changed = await pool.getConnection();
      await changed.changeUser({ database: 'mysql' });
      const other = await pool.getConnection();
      const [[row]] = await other.query<Rows>('SELECT DATABASE() AS db');
      changed.release();
      other.release();
      await pool.end();
      return row!.db;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(connectionOptions().database);
  });

  it('one-shot query and execute announce acquire and release around each statement', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const events: string[] = [];
      for (const name of ['connection', 'acquire', 'release']) pool.on(name as 'acquire', () => events.push(name));
      await callback((cb) => pool.query('SELECT 1', cb));
      await callback((cb) => pool.execute('SELECT 2', cb));
      await endPool(pool);
      return events;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['connection', 'acquire', 'release', 'acquire', 'release']);
  });

  it('promise connection: ping, query/execute with an options object, escape/escapeId/format', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const ping = await conn.ping();
      const [q] = await conn.query({ sql: 'SELECT ? AS a', values: [1], rowsAsArray: true });
      const [e] = await conn.execute({ sql: 'SELECT t.a FROM (SELECT ? AS a) t', values: [2], nestTables: true });
      const text = [conn.escape("o'k"), conn.escapeId('a.b'), conn.format('SELECT ?? FROM t WHERE x = ?', ['c', 1])];
      conn.release();
      await pool.end();
      return { ping, q, e, text };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ q: [[1]], e: [{ t: { a: 2 } }] });
  });

  it('after end(): getConnection (callback and promise) fails with "Pool is closed.", execute too; a late release() is harmless', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      held.release();
      await endPool(pool);
      const [cbError] = await callback<[Error]>((cb) => pool.getConnection(cb as never));
      const [execError] = await callback<[Error]>((cb) => pool.execute('SELECT 1', cb as never));
      const promised = await pool.promise().getConnection().then(() => undefined, (e: Error) => e);
      let lateRelease: unknown = null;
      try {
        held.release();
      } catch (error) {
        lateRelease = error;
      }
      const closed = (e: Error | undefined) => /Pool is closed\./.test(e?.message ?? '');
      return { cb: closed(cbError), exec: closed(execError), promised: closed(promised), lateRelease };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ cb: true, exec: true, promised: true, lateRelease: null });
  });

  it('end() on a pool never used calls back at once; the promise pool\'s end() resolves', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const error = await endPool(c.callbackPool());
      const resolved = await c.promisePool().end().then(() => 'resolved', (e: unknown) => shape(e));
      return { error: error ?? null, resolved };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ error: null, resolved: 'resolved' });
  });

  it('pool.config: mysql2\'s PoolConfig (connectionLimit, queueLimit, waitForConnections, maxIdle, idleTimeout, connectionConfig)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 4, queueLimit: 7, waitForConnections: false, idleTimeout: 5000 });
      const { config } = pool as unknown as { config: Record<string, unknown> & { connectionConfig: Record<string, unknown> } };
      const cc = config.connectionConfig;
      const seen = {
        connectionLimit: config.connectionLimit, queueLimit: config.queueLimit, waitForConnections: config.waitForConnections,
        maxIdle: config.maxIdle, idleTimeout: config.idleTimeout, resetOnRelease: config.resetOnRelease,
        connection: { host: cc.host, port: cc.port, user: cc.user, database: cc.database, namedPlaceholders: cc.namedPlaceholders, multipleStatements: cc.multipleStatements },
      };
      const defaults = c.callbackPool() as unknown as { config: Record<string, unknown> };
      const defaulted = { connectionLimit: defaults.config.connectionLimit, queueLimit: defaults.config.queueLimit, waitForConnections: defaults.config.waitForConnections, maxIdle: defaults.config.maxIdle, idleTimeout: defaults.config.idleTimeout };
      await Promise.all([endPool(pool), endPool(defaults as unknown as mysql.Pool)]);
      return { seen, defaulted };
    });
    expect(ours).toEqual(mysql2);
    expect(ours.seen).toMatchObject({ connectionLimit: 4, queueLimit: 7, waitForConnections: false, maxIdle: 4, idleTimeout: 5000 });
    expect(ours.defaulted).toEqual({ connectionLimit: 10, queueLimit: 0, waitForConnections: true, maxIdle: 10, idleTimeout: 60000 });
  });

  it('maxIdle < connectionLimit: idle connections beyond maxIdle are closed within about a second; the rest after idleTimeout', async () => {
    const admin = await adminConnection();
    try {
      const { mysql2, ours } = await sideBySide(async (c) => {
        const pool = c.callbackPool({ connectionLimit: 3, maxIdle: 1, idleTimeout: 2000 });
        const conns = await Promise.all([0, 1, 2].map(() => callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb))));
        const ids = conns.map(([, conn]) => conn.threadId);
        for (const [, conn] of conns) conn.release();
        const alive = async () => {
          const [rows] = await admin.query<Rows>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (?)', [ids]);
          return rows.length;
        };
        await sleep(1400);
        const afterTrim = await alive();
        await sleep(2000);
        const afterTimeout = await alive();
        const [error, rows] = await callback<[unknown, Rows]>((cb) => pool.query('SELECT 1 AS ok', cb));
        await endPool(pool);
        return { afterTrim, afterTimeout, error, rows };
      });
      expect(ours).toEqual(mysql2);
      expect(ours).toEqual({ afterTrim: 1, afterTimeout: 0, error: null, rows: [{ ok: 1 }] });
    } finally {
      await admin.end();
    }
  });
});
