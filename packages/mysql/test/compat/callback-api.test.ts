// mysql2's callback pool (`require('mysql2').createPool`) and ours, side by side on the real server.
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { callback, endPool, shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('callback API: the same outcome as mysql2.createPool', () => {
  it('query(sql, cb) calls back and gives the connection back: 3x connectionLimit calls in a row all succeed', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      const answers: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const [error, rows] = await callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.query('SELECT 1 + 1 AS two', cb));
        answers.push(error ?? rows[0]!.two);
      }
      await endPool(pool);
      return answers;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('query(sql, values, cb), execute(sql, values, cb) and execute(sql, cb) call back with rows and fields', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      const q = await callback<[unknown, mysql.RowDataPacket[], mysql.FieldPacket[]]>((cb) => pool.query('SELECT ? AS a, ? AS b', [1, 'x'], cb));
      const e = await callback<[unknown, mysql.RowDataPacket[], mysql.FieldPacket[]]>((cb) => pool.execute('SELECT ? AS a', [5], cb));
      const bare = await callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.execute('SELECT 7 AS a', cb));
      await endPool(pool);
      return [q[0], q[1], q[2].map((f) => f.name), e[0], e[1], bare[0], bare[1]];
    });
    expect(ours).toEqual(mysql2);
    expect(ours[1]).toEqual([{ a: 1, b: 'x' }]);
  });

  it('a statement error calls back with mysql2\'s error (class, code, errno, sqlState) and the connection is reused', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [error] = await callback<[unknown]>((cb) => pool.query('SELEC 1', cb));
      const [again, rows] = await callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.query('SELECT 1 AS one', cb));
      await endPool(pool);
      return { error: shape(error), again, rows };
    });
    expect(ours).toEqual(mysql2);
    expect(ours.error).toMatchObject({ class: 'Error', code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' });
  });

  it('getConnection(cb): the connection queries with callbacks, release() and releaseConnection() give it back; a double release is a no-op', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      const [error, conn] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const [, rows] = await callback<[unknown, mysql.RowDataPacket[]]>((cb) => conn.query('SELECT CONNECTION_ID() AS id', cb));
      conn.release();
      conn.release();
      // a double release must not give the same connection to two borrowers
      const [, a] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const [, b] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const distinct = a.threadId !== b.threadId;
      const reused = a.threadId === rows[0]!.id || b.threadId === rows[0]!.id;
      pool.releaseConnection(a);
      b.release();
      await endPool(pool);
      return { error, distinct, reused };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ error: null, distinct: true, reused: true });
  });

  it('events: connection then acquire for a new connection, release on return, acquire for a reused one', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const events: string[] = [];
      for (const name of ['connection', 'acquire', 'release', 'enqueue']) pool.on(name as 'acquire', () => events.push(name));
      for (let i = 0; i < 2; i++) {
        const [, conn] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
        events.push('borrowed');
        conn.release();
      }
      await endPool(pool);
      return events;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['connection', 'acquire', 'borrowed', 'release', 'acquire', 'borrowed', 'release']);
  });

  it('a \'connection\' listener\'s statement (SET SESSION ...) runs before the first borrower\'s', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      pool.on('connection', (conn: mysql.PoolConnection) => {
        conn.query("SET SESSION time_zone = '+03:00'");
      });
      const rows = await Promise.all([0, 1, 2].map(() => callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.query('SELECT @@session.time_zone AS tz', cb))));
      await endPool(pool);
      return rows.map(([error, r]) => error ?? r[0]!.tz);
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['+03:00', '+03:00', '+03:00']);
  });

  it('a \'connection\' listener may use conn.promise(): its awaited statements run, and before the first borrower\'s (callback and promise pools)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const seen: unknown[] = [];
      const callbackPool = c.callbackPool({ connectionLimit: 1 });
      for (const pool of [callbackPool.promise(), c.promisePool({ connectionLimit: 1 })]) {
        const done: Promise<unknown>[] = [];
        pool.on('connection', (conn) => {
          const session = (conn as unknown as mysql.PoolConnection).promise();
          done.push(session.query("SET SESSION time_zone = '+04:00'").then(() => session.query('SET @tag = 7')).then(() => 'set'));
        });
        const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT @@session.time_zone AS tz');
        const [later] = await pool.query<mysql.RowDataPacket[]>('SELECT @tag AS tag');
        seen.push(rows[0]!.tz, later[0]!.tag, await Promise.all(done));
        await pool.end();
      }
      return seen;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual(['+04:00', 7, ['set'], '+04:00', 7, ['set']]);
  });

  it('a statement on a released callback connection reports to its callback, never a synchronous throw (difference: ours fails it with POOL_LEASE_RELEASED, mysql2 runs it)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [, conn] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      conn.release();
      const outcomes: unknown[] = [];
      const calls: Array<(cb: (error: unknown) => void) => void> = [
        (cb) => conn.query('SELECT 1 AS n', cb), (cb) => conn.execute('SELECT 1 AS n', cb), (cb) => conn.beginTransaction(cb),
        (cb) => conn.rollback(cb), (cb) => conn.ping(cb),
      ];
      for (const call of calls) {
        try {
          const [error] = await callback<[unknown]>(call);
          outcomes.push(error ?? 'ran');
        } catch (thrown) {
          outcomes.push({ thrown });
        }
      }
      await endPool(pool);
      return outcomes;
    });
    expect(mysql2).toEqual(['ran', 'ran', 'ran', 'ran', 'ran']);
    expect(ours).toHaveLength(5);
    for (const outcome of ours) expect(outcome).toMatchObject({ code: 'POOL_LEASE_RELEASED' });
  });

  it('connectionLimit bounds the connections: 6 concurrent queries on connectionLimit 3 open 3 connections and enqueue 3 callers', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 3 });
      let connections = 0;
      let enqueued = 0;
      pool.on('connection', () => connections++);
      pool.on('enqueue', () => enqueued++);
      const ids = await Promise.all(Array.from({ length: 6 }, () => callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.query('SELECT CONNECTION_ID() AS id, SLEEP(0.2)', cb))));
      await endPool(pool);
      return { connections, enqueued, distinct: new Set(ids.map(([, rows]) => rows[0]!.id)).size };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ connections: 3, enqueued: 3, distinct: 3 });
  });

  it('waitForConnections: false fails a caller at once when every connection is busy ("No connections available.")', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1, waitForConnections: false });
      const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const [error] = await callback<[Error, unknown]>((cb) => pool.getConnection(cb as never));
      held.release();
      await endPool(pool);
      return /No connections available\./.test(error.message);
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toBe(true);
  });

  it('queueLimit: a caller beyond the queue fails at once ("Queue limit reached.")', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1, queueLimit: 1 });
      const [, held] = await callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const queued = callback<[unknown, mysql.PoolConnection]>((cb) => pool.getConnection(cb));
      const [error] = await callback<[Error, unknown]>((cb) => pool.getConnection(cb as never));
      held.release();
      const [queuedError, second] = await queued;
      second.release();
      await endPool(pool);
      return { refused: /Queue limit reached\./.test(error.message), queuedError };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ refused: true, queuedError: null });
  });

  it('end(cb) calls back; afterwards query(cb) fails with "Pool is closed."', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      await callback((cb) => pool.query('SELECT 1', cb));
      const endError = await endPool(pool);
      const [error] = await callback<[Error]>((cb) => pool.query('SELECT 1', cb as never));
      return { endError: endError ?? null, closed: /Pool is closed\./.test(error.message) };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ endError: null, closed: true });
  });

  it('escape, escapeId and format give mysql2\'s text', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      const out = [pool.escape("it's"), pool.escape(null), pool.escape([1, 'a']), pool.escapeId('t.c'), pool.format('SELECT ? FROM ?? WHERE x = ?', ['a', 'tbl', 3])];
      await endPool(pool);
      return out;
    });
    expect(ours).toEqual(mysql2);
  });

  it('query(sql).stream() streams every row and gives the connection back', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const rows: unknown[] = [];
      for await (const row of pool.query('SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3').stream()) rows.push(row);
      // the only connection is free again: a second statement runs
      const [error, after] = await callback<[unknown, mysql.RowDataPacket[]]>((cb) => pool.query('SELECT 4 AS n', cb));
      await endPool(pool);
      return { rows, error, after };
    });
    expect(ours).toEqual(mysql2);
    expect(ours.rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('query(sql) emits result/fields/end like mysql2\'s Query', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      const seen: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        pool.query('SELECT 1 AS n UNION ALL SELECT 2')
          .on('fields', (fields: mysql.FieldPacket[]) => seen.push(fields.map((f) => f.name)))
          .on('result', (row: unknown) => seen.push(row))
          .on('error', reject)
          .on('end', () => resolve());
      });
      await endPool(pool);
      return seen;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([['n'], { n: 1 }, { n: 2 }]);
  });

  it('promise() gives the promise API of the same pool', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool();
      const [rows] = await pool.promise().query<mysql.RowDataPacket[]>('SELECT 3 AS n');
      await pool.promise().end();
      return rows;
    });
    expect(ours).toEqual(mysql2);
  });
});
