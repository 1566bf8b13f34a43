// mysql2/promise's pool and ours, side by side on the real server.
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type { PoolConnection as CallbackConnection, RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { adminConnection } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('promise API: the same outcome as mysql2/promise createPool', () => {
  it('query and execute resolve [rows, fields]; a statement error rejects with mysql2\'s error', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool();
      const [rows, fields] = await pool.query<RowDataPacket[]>('SELECT ? AS a', [1]);
      const [executed] = await pool.execute<RowDataPacket[]>('SELECT ? AS b', ['x']);
      const error = await pool.query('SELEC 1').then(() => undefined, (e: unknown) => e);
      await pool.end();
      return { rows, names: fields.map((f) => f.name), executed, error: shape(error), message: (error as Error).message };
    });
    expect(ours).toEqual(mysql2);
    expect(ours.error).toMatchObject({ code: 'ER_PARSE_ERROR', errno: 1064 });
  });

  it('getConnection(): a transaction on one connection, released; conn.connection streams rows (what Drizzle\'s iterator uses)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      await conn.beginTransaction();
      const [[inside]] = await conn.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      await conn.rollback();
      const rows: unknown[] = [];
      for await (const row of (conn.connection as unknown as CallbackConnection).query('SELECT 1 AS n UNION ALL SELECT 2').stream()) rows.push(row);
      conn.release();
      const [[after]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      await pool.end();
      return { inside: inside!.t, rows, after: after!.t };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ inside: 1, rows: [{ n: 1 }, { n: 2 }], after: 0 });
  });

  it('pool.releaseConnection(conn) gives a promise connection back', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const first = await pool.getConnection();
      const id = first.threadId;
      pool.releaseConnection(first);
      const second = await pool.getConnection();
      const same = second.threadId === id;
      second.release();
      await pool.end();
      return same;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(true);
  });

  it('end() with a caller queued: the queued caller fails with "Pool is closed."; end() resolves once the borrowed one is back', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const held = await pool.getConnection();
      const queued = pool.getConnection().then(() => 'lent', (e: Error) => e.message);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const ended = pool.end();
      const queuedOutcome = await queued;
      held.release();
      await ended;
      return /Pool is closed\./.test(queuedOutcome);
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(true);
  });

  it('end() right after 5 queries on a fresh pool: the same outcome for each query', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 2 });
      const calls = Array.from({ length: 5 }, () => pool.query('SELECT 1').then(() => 'ok', (e: Error) => (/Pool is closed\./.test(e.message) ? 'closed' : e.message)));
      await pool.end();
      return Promise.all(calls);
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);
  });

  it('difference: the pool\'s own conditions are PoolErrors (code POOL_CLOSED) that keep mysql2\'s message', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool();
      await pool.end();
      const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
      return { message: /Pool is closed\./.test((error as Error).message), pool: isPoolError(error, 'POOL_CLOSED') };
    });
    expect(mysql2).toEqual({ message: true, pool: false });
    expect(ours).toEqual({ message: true, pool: true });
  });
  it('conn.prepare(): a server-side statement executes and closes, as with mysql2\'s pool connection; conn.unprepare() drops it', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const statement = await conn.prepare('SELECT ? + 1 AS n');
      const [first] = await statement.execute([1]);
      const [second] = await statement.execute([41]);
      await statement.close();
      conn.unprepare('SELECT ? + 1 AS n');
      conn.release();
      await pool.end();
      return { first, second };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ first: [{ n: 2 }], second: [{ n: 42 }] });
  });

  it('conn.changeUser(): the session moves to another database, as with mysql2', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      await conn.changeUser({ database: 'mysql' });
      const [[row]] = await conn.query<RowDataPacket[]>('SELECT DATABASE() AS db');
      conn.release();
      await pool.end();
      return row!.db;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe('mysql');
  });

  it('difference: end() with a connection never released: mysql2 closes it at once; ours waits for it up to end({ timeoutMs }), then closes it', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const [[before]] = await conn.query<RowDataPacket[]>('SELECT 1 AS n');
      let ended = false;
      const ending = (c.name === 'mysql2' ? pool.end() : (pool as unknown as { end(options: { timeoutMs: number }): Promise<void> }).end({ timeoutMs: 1000 })).then(() => {
        ended = true;
      });
      // ours: still usable by its borrower while end() waits; mysql2: already closed under it
      const during = await conn.query<RowDataPacket[]>('SELECT 2 AS n').then(([rows]) => rows[0]!.n, () => 'failed');
      await ending;
      const after = await Promise.resolve().then(() => conn.query('SELECT 3 AS n')).then(() => 'ran', () => 'failed');
      return { before: before!.n, during, ended, after };
    });
    expect(mysql2).toEqual({ before: 1, during: 'failed', ended: true, after: 'failed' });
    expect(ours).toEqual({ before: 1, during: 2, ended: true, after: 'failed' });
  });

  it('difference: a prepared statement kept past release() refuses to run (POOL_LEASE_RELEASED); mysql2 runs it on a connection it lent to someone else', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const statement = await conn.prepare('SELECT ? AS n');
      conn.release();
      // called directly: a refusal comes through the promise, as every outcome there
      const outcome = await statement.execute([1]).then(([rows]) => rows, (e: unknown) => e);
      await pool.end();
      return outcome;
    });
    expect(mysql2).toEqual([{ n: 1 }]);
    expect(isPoolError(ours, 'POOL_LEASE_RELEASED')).toBe(true);
  });
  it('a statement on a released connection settles through its promise, never a synchronous throw (difference: ours rejects POOL_LEASE_RELEASED, mysql2 runs it); threadId still answers', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      const id = conn.threadId;
      conn.release();
      // still readable after release (a log line), as with mysql2
      const outcomes: unknown[] = [conn.threadId === id && typeof id === 'number'];
      for (const call of [() => conn.query('SELECT 1 AS n'), () => conn.execute('SELECT 1 AS n'), () => conn.beginTransaction(), () => conn.rollback(), () => conn.ping()]) {
        try {
          // the .catch() style: a synchronous throw would escape it
          outcomes.push(await call().then(() => 'ran', (error: unknown) => error));
        } catch (thrown) {
          outcomes.push({ thrown });
        }
      }
      await pool.end();
      return outcomes;
    });
    expect(mysql2).toEqual([true, 'ran', 'ran', 'ran', 'ran', 'ran']);
    expect(ours).toHaveLength(6);
    expect(ours[0]).toBe(true);
    for (const outcome of ours.slice(1)) expect(isPoolError(outcome, 'POOL_LEASE_RELEASED')).toBe(true);
  });

  it('conn.on(\'error\'): a borrower hears its connection die (killed from the server), as with mysql2\'s promise connection', async () => {
    const admin = await adminConnection();
    try {
      const { mysql2, ours } = await sideBySide(async (c) => {
        const pool = c.promisePool({ connectionLimit: 1 });
        const conn = await pool.getConnection();
        const heard = new Promise<unknown>((resolve) => conn.on('error', (error: { code?: unknown; fatal?: unknown }) => resolve({ code: error.code, fatal: error.fatal })));
        await admin.query('KILL ?', [conn.threadId]);
        const outcome = await Promise.race([heard, new Promise((resolve) => setTimeout(() => resolve('no error event within 3 s'), 3000))]);
        conn.destroy();
        await pool.end();
        return outcome;
      });
      expect(ours).toEqual(mysql2);
      expect(ours).toMatchObject({ fatal: true });
    } finally {
      await admin.end();
    }
  });
});
