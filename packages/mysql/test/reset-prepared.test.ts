// Rows 23 and 42 through prepared statements: mysql2 runs `statement.execute()` of a `conn.prepare(sql)`
// straight on the connection's command queue, so the release must still see the lock or transaction it left.
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions } from './helpers.js';

const service = await requireService('mysql');
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const table = `pool_mysql_prepared_${suffix}`;
const lock = `pool_mysql_prepared_lock_${suffix}`;

describe.skipIf(!service.available)('state left by prepared statements (conn.prepare, statement.execute)', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;
  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`CREATE TABLE ${table} (id INT) ENGINE=InnoDB`);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
  });

  it('a named lock taken by a prepared GET_LOCK is released on return', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const conn = await pool.getConnection();
    const statement = await conn.prepare('SELECT GET_LOCK(?, 0) AS got');
    const [[row]] = (await statement.execute([lock])) as [RowDataPacket[], unknown];
    expect(row!.got).toBe(1);
    conn.release();
    await pool.query('SELECT 1');
    const [[free]] = await admin.query<RowDataPacket[]>('SELECT IS_FREE_LOCK(?) AS free', [lock]);
    expect(free!.free).toBe(1);
  });

  it('a transaction opened and written through prepared statements is rolled back on return', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const conn = await pool.getConnection();
    await (await conn.prepare('START TRANSACTION')).execute([]);
    await (await conn.prepare(`INSERT INTO ${table} VALUES (?)`)).execute([1]);
    conn.release();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS inTransaction');
    expect(row!.inTransaction).toBe(0);
    const [[count]] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
    expect(count!.n).toBe(0);
  });

  it('the same through the callback API (conn.connection.prepare)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const conn = await pool.getConnection();
    await new Promise<void>((resolve, reject) => {
      conn.connection.prepare('SELECT GET_LOCK(?, 0) AS got', (error, statement) => {
        if (error) return reject(error);
        statement.execute([lock], (executeError) => (executeError ? reject(executeError) : resolve()));
      });
    });
    conn.release();
    await pool.query('SELECT 1');
    const [[free]] = await admin.query<RowDataPacket[]>('SELECT IS_FREE_LOCK(?) AS free', [lock]);
    expect(free!.free).toBe(1);
  });
});
