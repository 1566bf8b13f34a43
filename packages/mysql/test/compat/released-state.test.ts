// What the next borrower of a connection sees, mysql2's pool and ours side by side on the shared server:
// the documented differences (a transaction, named and table locks are undone on return; a statement cut by
// mysql2's `timeout` option closes its connection) and what both keep (user variables, temporary tables, USE).
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConnection, connectionOptions } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const table = `pool_mysql_released_${suffix}`;
const lock = `pool_mysql_released_lock_${suffix}`;
const otherDb = `pool_mysql_other_${suffix}`;

describe.skipIf(!service.available)('state a borrower leaves on a released connection', () => {
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`CREATE TABLE ${table} (id INT) ENGINE=InnoDB`);
    await admin.query(`CREATE TABLE ${table}_b (id INT) ENGINE=InnoDB`);
    await admin.query(`CREATE DATABASE ${otherDb}`);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_b`);
    await admin.query(`DROP DATABASE IF EXISTS ${otherDb}`);
    await admin.end();
  });

  it('difference: an open transaction, a GET_LOCK and LOCK TABLES are undone on return; mysql2 lends the connection on with all three', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      await conn.query('START TRANSACTION');
      await conn.query(`INSERT INTO ${table} VALUES (1)`);
      await conn.query('SELECT GET_LOCK(?, 0)', [lock]);
      conn.release();
      const next = await pool.getConnection();
      const [[seen]] = await next.query<RowDataPacket[]>('SELECT @@in_transaction AS inTransaction, IS_USED_LOCK(?) = CONNECTION_ID() AS holdsLock', [lock]);
      await next.query('ROLLBACK');
      await next.query('DO RELEASE_ALL_LOCKS()');
      await next.query(`LOCK TABLES ${table} WRITE`);
      next.release();
      const third = await pool.getConnection();
      // with the table still locked by this session, reading another table fails (ER_TABLE_NOT_LOCKED)
      const locked = await third.query(`SELECT COUNT(*) FROM ${table}_b`).then(() => 'no table locks', (e: unknown) => shape(e).code);
      await third.query('UNLOCK TABLES');
      third.release();
      await pool.end();
      const [[count]] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      await admin.query(`DELETE FROM ${table}`);
      return { inTransaction: seen!.inTransaction, holdsLock: seen!.holdsLock, locked, committed: count!.n };
    });
    expect(mysql2).toEqual({ inTransaction: 1, holdsLock: 1, locked: 'ER_TABLE_NOT_LOCKED', committed: 0 });
    expect(ours).toEqual({ inTransaction: 0, holdsLock: null, locked: 'no table locks', committed: 0 });
  });

  it('difference: released with its statements not yet answered (no await): writes sent in autocommit or committed are kept as in mysql2, a transaction left open is rolled back after them; mysql2 lends the connection inside it and the next borrower\'s write is lost with it', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const rows = async () => {
        const [[row]] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
        await admin.query(`DELETE FROM ${table}`);
        return row!.n as number;
      };
      const fireAndRelease = async (statements: string[]) => {
        const conn = await pool.getConnection();
        for (const sql of statements) conn.query(sql).catch(() => undefined);
        conn.release();
      };
      await fireAndRelease([`INSERT INTO ${table} VALUES (1)`]);
      await pool.query('SELECT 1');
      const autocommitted = await rows();
      await fireAndRelease(['START TRANSACTION', `INSERT INTO ${table} VALUES (2)`, 'COMMIT']);
      await pool.query('SELECT 1');
      const committed = await rows();
      await fireAndRelease(['START TRANSACTION', `INSERT INTO ${table} VALUES (3)`]);
      const next = await pool.getConnection();
      const [[seen]] = await next.query<RowDataPacket[]>('SELECT @@in_transaction AS inTransaction');
      await next.query(`INSERT INTO ${table} VALUES (4)`); // the next borrower's own write, in autocommit as far as it knows
      next.release();
      await pool.end();
      const [kept] = await admin.query<RowDataPacket[]>(`SELECT id FROM ${table} ORDER BY id`);
      await admin.query(`DELETE FROM ${table}`);
      return { autocommitted, committed, nextInTransaction: seen!.inTransaction, kept: kept.map((row) => row.id as number) };
    });
    expect(mysql2).toEqual({ autocommitted: 1, committed: 1, nextInTransaction: 1, kept: [] });
    expect(ours).toEqual({ autocommitted: 1, committed: 1, nextInTransaction: 0, kept: [4] });
  });

  it('the same in both: user variables, temporary tables and a USE are kept (ours clears them with resetSession: true)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      const conn = await pool.getConnection();
      await conn.query("SET @tenant = 'acme'");
      await conn.query('CREATE TEMPORARY TABLE pool_mysql_tmp (x INT)'); // in the configured database
      await conn.query(`USE ${otherDb}`);
      conn.release();
      const [[seen]] = await pool.query<RowDataPacket[]>('SELECT @tenant AS tenant, DATABASE() AS db');
      const [temp] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${connectionOptions().database}.pool_mysql_tmp`).then(
        () => [true],
        () => [false],
      );
      await pool.end();
      return { tenant: seen!.tenant, db: seen!.db, temp };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ tenant: 'acme', db: otherDb, temp: true });
  });

  it('difference: a statement cut by mysql2\'s `timeout` option fails with the same PROTOCOL_SEQUENCE_TIMEOUT; mysql2 keeps its connection busy until the statement ends, ours closes it so the next caller does not wait', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      let connections = 0;
      pool.on('connection', () => connections++);
      await pool.query('SELECT 1');
      const error = await pool.query({ sql: 'SELECT SLEEP(2)', timeout: 100 }).then(() => undefined, (e: unknown) => e);
      const started = performance.now();
      const [[row]] = await pool.query<RowDataPacket[]>('SELECT 5 AS n');
      const nextMs = performance.now() - started;
      await pool.end();
      return { error: shape(error), n: row!.n, nextMs, connections };
    });
    expect(ours.error).toEqual(mysql2.error);
    expect(ours.error).toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
    expect([ours.n, mysql2.n]).toEqual([5, 5]);
    // mysql2's next caller waits for the cut statement's SLEEP(2); ours gets a new connection
    expect(mysql2.nextMs).toBeGreaterThan(1000);
    expect(ours.nextMs).toBeLessThan(mysql2.nextMs);
    expect(mysql2.connections).toBe(1);
    expect(ours.connections).toBe(2);
  });
});
