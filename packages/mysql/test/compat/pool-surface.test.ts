// The rest of the pool's surface a ported app touches: events when a waiter gets a returned
// connection, resetOnRelease, escape/format with the pool's timezone, promise-connection misuse,
// disposal, and the documented `.pool` difference. mysql2's pool and ours side by side.
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { describe, expect, it, vi } from 'vitest';
import { createMysqlPool } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';
import { callback, endPool, shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

type Rows = mysql.RowDataPacket[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!service.available)('pool surface: the same outcome as mysql2.createPool', () => {
  it('a caller queued on a full pool: enqueue, then it gets the returned connection (the same object) once it is released; ours also emits acquire then', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const events: string[] = [];
      for (const name of ['connection', 'acquire', 'enqueue']) pool.on(name as 'acquire', () => events.push(name));
      const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const queued = callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      await sleep(10);
      events.push('releasing');
      held.release();
      const [error, next] = await queued;
      events.push('lent');
      const same = next === held;
      next.release();
      await endPool(pool);
      return { events, error, same };
    });
    // the same, except that ours also says 'acquire' when the returned connection goes to the waiter
    // (every lend is announced; mysql2 announces only lends of an idle or new connection)
    expect(ours).toEqual({ ...mysql2, events: ['connection', 'acquire', 'enqueue', 'releasing', 'acquire', 'lent'] });
    expect(mysql2).toEqual({ events: ['connection', 'acquire', 'enqueue', 'releasing', 'lent'], error: null, same: true });
  });

  it('enqueue is emitted only for a caller that waits: not for one refused by queueLimit or waitForConnections: false', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const counts: number[] = [];
      for (const options of [{ queueLimit: 1 }, { waitForConnections: false }]) {
        const pool = c.callbackPool({ connectionLimit: 1, ...options });
        let enqueued = 0;
        pool.on('enqueue', () => enqueued++);
        const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
        const outcomes = Promise.all([0, 1].map(() => callback<[unknown, mysql.PoolConnection | undefined]>((cb) => pool.getConnection(cb as never))));
        await sleep(20);
        held.release();
        for (const [, conn] of await outcomes) conn?.release();
        counts.push(enqueued);
        await endPool(pool);
      }
      return counts;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([1, 0]);
  });

  it('a fresh pool (limit 3), 5 callers at once: queueLimit 1 counts only callers beyond the limit (4 served); waitForConnections: false serves 3', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const outcomes: string[][] = [];
      for (const options of [{ queueLimit: 1 }, { waitForConnections: false }]) {
        const pool = c.promisePool({ connectionLimit: 3, ...options });
        const calls = Array.from({ length: 5 }, () => pool.query('SELECT SLEEP(0.1)').then(() => 'ok', (e: Error) => (/Queue limit reached\.|No connections available\./.test(e.message) ? 'refused' : e.message)));
        outcomes.push((await Promise.all(calls)).sort());
        await pool.end();
      }
      return outcomes;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([['ok', 'ok', 'ok', 'ok', 'refused'], ['ok', 'ok', 'ok', 'refused', 'refused']]);
  });

  it('connectionLimit: 0 means no limit: 5 concurrent statements run on 5 connections', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 0 });
      const results = await Promise.all(Array.from({ length: 5 }, () => pool.query<Rows>('SELECT CONNECTION_ID() AS id, SLEEP(0.1)')));
      await pool.end();
      return new Set(results.map(([rows]) => rows[0]!.id)).size;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(5);
  });

  it('resetOnRelease: the next borrower of the connection finds no user variable or temporary table', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1, resetOnRelease: true });
      const conn = await pool.getConnection();
      await conn.query('SET @leftover = 1');
      await conn.query('CREATE TEMPORARY TABLE compat_reset_tmp (id INT)');
      const id = conn.threadId;
      conn.release();
      const next = await pool.getConnection();
      const [[row]] = await next.query<Rows>('SELECT @leftover AS v');
      const missing = await next.query('SELECT * FROM compat_reset_tmp').then(() => undefined, (e: unknown) => shape(e).code);
      const same = next.threadId === id;
      next.release();
      await pool.end();
      return { v: row!.v, missing, same };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ v: null, missing: 'ER_NO_SUCH_TABLE', same: true });
  });

  it('escape and format use the pool\'s timezone and stringifyObjects', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ timezone: '+02:00', stringifyObjects: true });
      const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
      const out = [pool.escape(date), pool.escape({ a: 1 }), pool.format('SELECT ?, ?', [date, { b: 2 }]), pool.escapeId(['a', 'b.c'])];
      await endPool(pool);
      return out;
    });
    expect(ours).toEqual(mysql2);
    expect(ours[0]).toBe("'2024-01-02 05:04:05.000'");
  });

  it('escape and format with stringifyObjects and timezone unset: an object is stringified, as mysql2 settles the defaults (false, local)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      const promisePool = c.promisePool();
      const date = new Date(2024, 0, 2, 3, 4, 5);
      const out = [
        pool.escape({ a: 1 }), pool.format('SELECT ?', [{ a: 1 }]), pool.escape(date),
        promisePool.escape({ a: 1 }), promisePool.format('SELECT ?', [{ a: 1 }]),
      ];
      await endPool(pool);
      await promisePool.end();
      return out;
    });
    expect(ours).toEqual(mysql2);
    expect(ours.slice(0, 3)).toEqual(["'[object Object]'", "SELECT '[object Object]'", "'2024-01-02 03:04:05.000'"]);
  });

  it('a promise connection given a callback throws mysql2\'s "Callback function is not available with promise clients."', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const thrown: string[] = [];
      for (const method of ['query', 'execute'] as const) {
        try {
          await (conn[method] as unknown as (sql: string, cb: () => void) => Promise<unknown>).call(conn, 'SELECT 1', () => undefined);
          thrown.push('no error');
        } catch (error) {
          thrown.push((error as Error).message);
        }
      }
      conn.release();
      await pool.end();
      return thrown;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['Callback function is not available with promise clients.', 'Callback function is not available with promise clients.']);
  });

  it('execute: a statement error calls back with mysql2\'s error and the connection (and its statement cache) is reused', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [error] = await callback<[unknown]>((cb) => pool.execute('SELECT * FROM no_such_table_compat WHERE id = ?', [1], cb));
      const [again, rows] = await callback<[unknown, Rows]>((cb) => pool.execute('SELECT ? AS n', [2], cb));
      await endPool(pool);
      return { error: shape(error), message: (error as Error).message, again, rows };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ error: { code: 'ER_NO_SUCH_TABLE', errno: 1146, sqlState: '42S02' }, again: null, rows: [{ n: 2 }] });
  });

  it('disposal: the callback pool has [Symbol.dispose] (ends it), the promise pool [Symbol.asyncDispose], a connection [Symbol.dispose] (releases it)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [, conn] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const id = conn.threadId;
      (conn as unknown as Disposable)[Symbol.dispose]();
      const [, next] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const reused = next.threadId === id;
      next.release();
      const hasDispose = typeof (pool as unknown as Partial<Disposable>)[Symbol.dispose] === 'function';
      (pool as unknown as Disposable)[Symbol.dispose]();
      await sleep(20);
      const [error] = await callback<[Error]>((cb) => pool.query('SELECT 1', cb as never));
      const promisePool = c.promisePool();
      await (promisePool as unknown as AsyncDisposable)[Symbol.asyncDispose]();
      const after = await promisePool.query('SELECT 1').then(() => 'ran', (e: Error) => e.message);
      return { reused, hasDispose, closed: /Pool is closed\./.test(error.message), after: /Pool is closed\./.test(after) };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ reused: true, hasDispose: true, closed: true, after: true });
  });

  it('query(sql) with no callback: a failure arrives as its \'error\' event, or (fire and forget) is silent, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onRejection = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const { mysql2, ours } = await sideBySide(async (c) => {
        const pool = c.callbackPool({ connectionLimit: 1 });
        const heard = await new Promise<unknown>((resolve) => pool.query('SELEC 1').on('error', (e: unknown) => resolve(shape(e))));
        pool.query('SELEC 2');
        await sleep(100);
        const [error, rows] = await callback<[unknown, Rows]>((cb) => pool.query('SELECT 1 AS x', cb));
        await endPool(pool);
        const closed = await new Promise<boolean>((resolve) => pool.query('SELECT 1').on('error', (e: Error) => resolve(/Pool is closed\./.test(e.message))));
        return { heard, error, rows, closed, unhandled: unhandled.length };
      });
      expect(ours).toEqual(mysql2);
      expect(ours).toMatchObject({ heard: { code: 'ER_PARSE_ERROR' }, error: null, rows: [{ x: 1 }], closed: true, unhandled: 0 });
      // ours is also a promise: awaited later, it still rejects with the statement's error
      const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
      const late = pool.query('SELEC 3');
      await sleep(100);
      await expect(late).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
      await pool.end();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('difference: mysql2\'s private queues (_allConnections, _freeConnections, _connectionQueue) are not there; stats() gives the same counts', async () => {
    const counts = async (pool: mysql.Pool, read: (pool: mysql.Pool) => number[]) => {
      const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const running = callback((cb) => pool.query('SELECT SLEEP(0.5)', cb));
      const waiting = callback((cb) => pool.query('SELECT 1', cb));
      // both connections open (one held, one running the SLEEP), the third caller queued
      await vi.waitFor(() => expect(read(pool)).toEqual([2, 0, 1]), { timeout: 2000, interval: 10 });
      const seen = read(pool);
      held.release();
      await Promise.all([running, waiting]);
      await endPool(pool);
      return seen;
    };
    type Queues = Record<'_allConnections' | '_freeConnections' | '_connectionQueue', { length: number } | undefined>;
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      if (c.name === 'mysql2') return counts(pool, (p) => { const q = p as unknown as Queues; return [q._allConnections!.length, q._freeConnections!.length, q._connectionQueue!.length]; });
      return counts(pool, (p) => {
        const q = p as unknown as Queues;
        expect([q._allConnections, q._freeConnections, q._connectionQueue]).toEqual([undefined, undefined, undefined]);
        const stats = (p as unknown as ReturnType<typeof createMysqlPool>).stats();
        return [stats.size, stats.idle, stats.pending];
      });
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([2, 0, 1]);
  });

  it('difference: `.pool` of a promise pool is mysql2\'s callback pool; ours is the @pool/core Pool (pool.pool.config is pool.config here)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 3 });
      const inner = (pool as unknown as { pool: Record<string, unknown> }).pool;
      const config = c.name === 'mysql2' ? inner.config : (pool as unknown as { config: unknown }).config;
      const out = { getConnection: typeof inner.getConnection, stats: typeof inner.stats, innerConfig: typeof inner.config, connectionLimit: (config as { connectionLimit: number }).connectionLimit };
      await pool.end();
      return out;
    });
    expect(mysql2).toEqual({ getConnection: 'function', stats: 'undefined', innerConfig: 'object', connectionLimit: 3 });
    expect(ours).toEqual({ getConnection: 'undefined', stats: 'function', innerConfig: 'undefined', connectionLimit: 3 });
  });

  it('difference: a pool error (POOL_CLOSED after end) keeps mysql2\'s message in the callback API too', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      await endPool(pool);
      const [error] = await callback<[Error]>((cb) => pool.getConnection(cb as never));
      return { message: error.message, pool: isPoolError(error, 'POOL_CLOSED') };
    });
    expect(mysql2).toEqual({ message: 'Pool is closed.', pool: false });
    expect(ours).toMatchObject({ pool: true });
    expect(ours.message).toMatch(/^Pool is closed\. \(/); // starts with mysql2's text, then the reason
  });

  it('a second end(): the promise pool resolves it; the callback pool calls back with mysql2\'s outcome', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const promisePool = c.promisePool();
      await promisePool.end();
      const promiseForm = await promisePool.end().then(() => 'resolved', (error: Error) => `rejected: ${error.message}`);
      const callbackPool = c.callbackPool();
      await endPool(callbackPool);
      const [error] = await callback<[Error | null | undefined]>((cb) => callbackPool.end(cb as never));
      return { promiseForm, callbackForm: error ? `error: ${error.message}` : 'ok' };
    });
    expect(ours).toEqual(mysql2);
  });
});
