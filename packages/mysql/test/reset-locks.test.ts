// Issue 14 item 4: a borrower's named locks and table locks never reach the next borrower.
import { requireService } from '@pool/testkit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions } from './helpers.js';

const service = await requireService('mysql');
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const table = `pool_mysql_locks_${suffix}`;
const lock = `pool_mysql_lock_${suffix}`;

describe.skipIf(!service.available)('locks are released when a connection goes back', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;
  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`CREATE TABLE ${table} (id INT)`);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
  });

  const isFree = async () => {
    const [[row]] = await admin.query<RowDataPacket[]>('SELECT IS_FREE_LOCK(?) AS free', [lock]);
    return row!.free;
  };

  it.each([false, true])('GET_LOCK (one-shot query, execute and a borrowed connection) is released on return (resetSession %s)', async (resetSession) => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1, resetSession });
    await pool.query('SELECT GET_LOCK(?, 0)', [lock]);
    expect(await isFree()).toBe(1);
    await pool.execute('SELECT GET_LOCK(?, 0)', [lock]);
    expect(await isFree()).toBe(1);
    const conn = await pool.getConnection();
    await conn.query('SELECT GET_LOCK(?, 0)', [lock]);
    expect(await isFree()).toBe(0);
    conn.release();
    await pool.query('SELECT 1');
    expect(await isFree()).toBe(1);
  });

  it.each([false, true])('LOCK TABLES is released on return: another session writes at once (resetSession %s)', async (resetSession) => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1, resetSession });
    const conn = await pool.getConnection();
    await conn.query(`LOCK TABLES ${table} WRITE`);
    conn.release();
    await pool.query('SELECT 1');
    await admin.query('SET SESSION lock_wait_timeout = 2');
    const [result] = await admin.query<ResultSetHeader>(`INSERT INTO ${table} VALUES (1)`);
    expect(result.affectedRows).toBe(1);
  });

  it('the release costs a statement only for connections that took a lock (UNLOCK TABLES only after LOCK TABLES)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const count = async () => {
      const [[row]] = await pool!.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Com_unlock_tables'");
      return Number(row!.Value);
    };
    const before = await count();
    await pool.query('SELECT 1');
    await pool.query('SELECT 1');
    expect(await count()).toBe(before);
    await pool.query('SELECT GET_LOCK(?, 0)', [lock]);
    expect(await count()).toBe(before);
    expect(await isFree()).toBe(1);
    const conn = await pool.getConnection();
    await conn.query(`LOCK TABLES ${table} READ`);
    conn.release();
    expect(await count()).toBe(before + 1);
  });
});
