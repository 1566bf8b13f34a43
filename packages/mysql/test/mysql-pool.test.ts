import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool, type MysqlPoolConnection } from '../src/index.js';
import { adminConnection, connectionOptions, kill, serverHas, url } from './helpers.js';

const service = await requireService('mysql');
const table = `pool_mysql_api_${process.pid}`;

describe.skipIf(!service.available)('createMysqlPool against the real server', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;

  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB`);
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
    await admin.query(`DELETE FROM ${table}`);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  it('query and execute resolve [rows, fields] like mysql2, with placeholders', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 2 } });
    const [rows, fields] = await pool.query<RowDataPacket[]>('SELECT ? + 1 AS n', [41]);
    expect(rows[0]!.n).toBe(42);
    expect(fields.map((field) => field.name)).toEqual(['n']);
    const [inserted] = await pool.execute<ResultSetHeader>(`INSERT INTO ${table} (id, name) VALUES (?, ?)`, [1, 'ada']);
    expect(inserted.affectedRows).toBe(1);
    const [found] = await pool.execute<RowDataPacket[]>(`SELECT name FROM ${table} WHERE id = ?`, [1]);
    expect(found).toEqual([{ name: 'ada' }]);
  });

  it('opens a connection for each caller that would wait, at once, up to connectionLimit (as mysql2); pool.maxConcurrentCreates caps it', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 9 });
    const lent = Array.from({ length: 5 }, () => pool!.getConnection());
    expect(pool.stats().creating).toBe(5);
    for (const conn of await Promise.all(lent)) conn.release();
    await pool.end();
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 9, pool: { maxConcurrentCreates: 2 } });
    const capped = Array.from({ length: 5 }, () => pool!.getConnection());
    expect(pool.stats().creating).toBe(2);
    for (const conn of await Promise.all(capped)) conn.release();
  });

  it('accepts a mysql:// URL', async () => {
    pool = createMysqlPool(url);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS db');
    expect(rows[0]!.db).toBe(new URL(url).pathname.slice(1));
  });

  it('a statement error reaches the caller and the connection is reused (not fatal)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const [[before]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    await expect(pool.query('SELEC 1')).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
    const [[after]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(after!.id).toBe(before!.id);
    expect(pool.stats().totals.destroyed).toBe(0);
  });

  it('a failed query carries the caller\'s stack; a bad bind value rejects (never throws) and frees the connection', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const error = await pool.query('SELECT * FROM pool_mysql_no_such_table').then(() => new Error('expected a failure'), (e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
    expect(error.stack).toContain('mysql-pool.test.ts');
    expect(error.stack?.split('\n')[0]).toBe(`Error: ${error.message}`);
    await expect(pool.execute('SELECT ?', [undefined])).rejects.toThrow(/undefined/);
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(row!.one).toBe(1);
  });

  it('acquire options reach the pool: timeoutMs bounds the wait, and a signal aborts it', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const held = await pool.getConnection();
    await expect(pool.query('SELECT 1', undefined, { timeoutMs: 100 })).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_TIMEOUT'));
    const controller = new AbortController();
    const waiting = pool.execute('SELECT 1', [], { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_ABORTED'));
    held.release();
  });

  it('getConnection() lends one connection until release(); a statement after release rejects POOL_LEASE_RELEASED', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1, acquireTimeoutMs: 300 } });
    const connection = await pool.getConnection();
    const [[row]] = await connection.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(row!.id).toBe(connection.threadId);
    expect(pool.stats().borrowed).toBe(1);
    await expect(pool.getConnection()).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_TIMEOUT'));
    connection.release();
    await expect(connection.query('SELECT 1')).rejects.toMatchObject({ code: 'POOL_LEASE_RELEASED' });
    expect(connection.threadId).toBe(row!.id); // an id to log, as with mysql2
    expect(() => connection.release()).not.toThrow(); // a second release is a no-op, as in mysql2
    const again = await pool.getConnection();
    expect(again.threadId).toBe(row!.id);
    again.release();
  });

  it('await using releases the connection at the end of the scope', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    {
      await using connection = await pool.getConnection();
      await connection.ping();
      expect(pool.stats().borrowed).toBe(1);
    }
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
  });

  it('transaction(fn) commits what fn wrote', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 2 } });
    const result = await pool.transaction(async (connection) => {
      await connection.execute(`INSERT INTO ${table} (id, name) VALUES (?, ?)`, [2, 'grace']);
      return 'done';
    });
    expect(result).toBe('done');
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT name FROM ${table} WHERE id = 2`);
    expect(rows).toEqual([{ name: 'grace' }]);
    expect(pool.stats()).toMatchObject({ borrowed: 0 });
  });

  it('transaction(fn) rolls back and rethrows when fn throws; the connection is reused', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const failure = new Error('business rule broken');
    await expect(
      pool.transaction(async (connection) => {
        await connection.query(`INSERT INTO ${table} (id, name) VALUES (3, 'lost')`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT * FROM ${table} WHERE id = 3`);
    expect(rows).toEqual([]);
    const [[state]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
    expect(state!.t).toBe(0);
    expect(pool.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
  });

  it('transaction(fn) where fn releases its connection: nothing is committed, the next borrower\'s transaction is untouched; POOL_LEASE_RELEASED', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    let borrower: MysqlPoolConnection | undefined;
    const outcome = await pool
      .transaction(async (connection) => {
        await connection.query(`INSERT INTO ${table} (id, name) VALUES (10, 'a')`);
        connection.release(); // misuse: the release rolls the transaction back and lends the connection on
        borrower = await pool!.getConnection();
        await borrower.beginTransaction();
        await borrower.query(`INSERT INTO ${table} (id, name) VALUES (11, 'b')`);
        return 'returned';
      })
      .then((value) => value, (error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'POOL_LEASE_RELEASED' });
    const [[state]] = await borrower!.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
    expect(state!.t).toBe(1);
    borrower!.release();
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT id FROM ${table} WHERE id IN (10, 11)`);
    expect(rows).toEqual([]);
  });

  it('stats() reports the pool, and end() closes every connection on the server', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 3, name: 'api-test' } });
    const held = await Promise.all([pool.getConnection(), pool.getConnection(), pool.getConnection()]);
    const ids = held.map((connection) => connection.threadId);
    expect(pool.stats()).toMatchObject({ name: 'api-test', size: 3, borrowed: 3, idle: 0, max: 3 });
    for (const connection of held) connection.release();
    expect(pool.stats()).toMatchObject({ size: 3, borrowed: 0, idle: 3 });
    await pool.end();
    expect(pool.stats()).toMatchObject({ size: 0, closed: true });
    await expect(pool.query('SELECT 1')).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_CLOSED'));
    const deadline = Date.now() + 3000;
    let open: RowDataPacket[] = [];
    do {
      [open] = await admin.query<RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (?)', [ids]);
      if (open.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (Date.now() < deadline);
    expect(open).toEqual([]);
    pool = undefined;
  });

  it('execute reuses the statement prepared on an earlier borrow of the same connection', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const prepares = async () => {
      const [rows] = await pool!.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'");
      return Number(rows[0]!.Value);
    };
    const start = await prepares();
    const [first] = await pool.execute<RowDataPacket[]>('SELECT ? * 2 AS doubled', [21]);
    const afterFirst = await prepares();
    const [second] = await pool.execute<RowDataPacket[]>('SELECT ? * 2 AS doubled', [5]);
    const connection = await pool.getConnection();
    const [third] = await connection.execute<RowDataPacket[]>('SELECT ? * 2 AS doubled', [7]);
    connection.release();
    expect([first[0]!.doubled, second[0]!.doubled, third[0]!.doubled]).toEqual([42, 10, 14]);
    expect(afterFirst - start).toBe(1);
    expect(await prepares()).toBe(afterFirst);
    expect(pool.stats().totals.created).toBe(1);
  });

  it('execute: the statement cache dies with its connection; the replacement prepares afresh, then reuses its own', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1, validateAfterIdleMs: 0 } });
    const sql = 'SELECT CONNECTION_ID() AS id, ? + 0 AS n';
    const prepares = async () => {
      const [rows] = await pool!.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'");
      return Number(rows[0]!.Value);
    };
    const [[before]] = await pool.execute<RowDataPacket[]>(sql, [1]);
    expect(await prepares()).toBe(1);
    await kill(admin, before!.id);
    for (const deadline = Date.now() + 3000; await serverHas(admin, before!.id); ) {
      if (Date.now() > deadline) throw new Error(`connection ${before!.id} still listed 3 s after KILL`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [[after]] = await pool.execute<RowDataPacket[]>(sql, [2]);
    expect(after!.id).not.toBe(before!.id);
    expect(after!.n).toBe(2);
    expect(await prepares()).toBe(1); // prepared on the new session, not run from the dead one's statement id
    const [[again]] = await pool.execute<RowDataPacket[]>(sql, [3]);
    expect([again!.id, again!.n]).toEqual([after!.id, 3]);
    expect(await prepares()).toBe(1); // and reused from the new connection's cache
    expect(pool.stats().totals).toMatchObject({ created: 2, destroyed: 1 });
  });
});
