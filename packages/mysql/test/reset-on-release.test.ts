// reliability.md rows 23 (released inside a transaction) and 37 (session reset fidelity on MariaDB).
import { createPool } from '@pool/core';
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, mysqlProvider, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions } from './helpers.js';

const service = await requireService('mysql');
const table = `pool_mysql_tx_${process.pid}`;

/** Session counters of statements the adapter may send on release. */
async function counter(pool: MysqlPool, name: 'Com_rollback' | 'Com_reset_connection'): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SHOW SESSION STATUS LIKE ?', [name]);
  return Number(rows[0]?.Value ?? Number.NaN);
}

describe.skipIf(!service.available)('reset on release', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;

  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY) ENGINE=InnoDB`);
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

  async function rowsInTable(): Promise<number> {
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(rows[0]!.n);
  }

  describe('row 23: a connection released inside a transaction', () => {
    it('START TRANSACTION sent as plain SQL, a write, release: the next borrower is not in it and the write is rolled back', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      const first = await pool.getConnection();
      await first.query('START TRANSACTION');
      await first.query(`INSERT INTO ${table} (id) VALUES (1)`);
      const id = first.threadId;
      first.release();
      const next = await pool.getConnection();
      expect(next.threadId).toBe(id); // the same connection, reused
      const [[state]] = await next.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      expect(state!.t).toBe(0);
      next.release();
      expect(await rowsInTable()).toBe(0);
      expect(pool.stats().totals.destroyed).toBe(0);
    });

    it('beginTransaction() and a prepared write, released without commit: rolled back', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      const first = await pool.getConnection();
      await first.beginTransaction();
      await first.execute(`INSERT INTO ${table} (id) VALUES (?)`, [2]);
      first.release();
      const [[state]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      expect(state!.t).toBe(0);
      expect(await rowsInTable()).toBe(0);
    });

    it('SET autocommit = 0 and a write, released: rolled back and autocommit restored', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      const first = await pool.getConnection();
      await first.query('SET autocommit = 0');
      await first.query(`INSERT INTO ${table} (id) VALUES (3)`);
      first.release();
      const [[state]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t, @@autocommit AS ac');
      expect(state).toEqual({ t: 0, ac: 1 });
      expect(await rowsInTable()).toBe(0);
    });

    it('a transaction opened through the raw mysql2 callback API is tracked too', async () => {
      const core = createPool(mysqlProvider(connectionOptions()), { max: 1 });
      try {
        const lease = await core.acquire();
        const raw = (lease.resource as unknown as { connection: { query(sql: string, cb: (error: unknown) => void): void } }).connection;
        await new Promise<void>((resolve, reject) => raw.query('START TRANSACTION', (error) => (error ? reject(error) : resolve())));
        await lease.resource.query(`INSERT INTO ${table} (id) VALUES (4)`);
        lease.release();
        const again = await core.acquire();
        const [[state]] = await again.resource.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
        expect(state!.t).toBe(0);
        again.release();
        expect(await rowsInTable()).toBe(0);
      } finally {
        await core.close({ timeoutMs: 2000 });
      }
    });

    it('with multipleStatements, a batch that ends inside a transaction is rolled back', async () => {
      pool = createMysqlPool({ ...connectionOptions(), multipleStatements: true, pool: { max: 1 } });
      const first = await pool.getConnection();
      await first.query(`SELECT 1; START TRANSACTION; INSERT INTO ${table} (id) VALUES (6)`);
      first.release();
      const [[state]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      expect(state!.t).toBe(0);
      expect(await rowsInTable()).toBe(0);
    });

    it('a statement sent without a callback (a stream), whose OK packet the adapter cannot see, makes the release roll back', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      const before = await counter(pool, 'Com_rollback');
      const first = await pool.getConnection();
      const core = first.connection as unknown as { query(sql: string): NodeJS.EventEmitter };
      const untracked = (sql: string) => new Promise<void>((resolve, reject) => {
        const command = core.query(sql);
        command.once('error', reject);
        command.once('end', () => resolve());
      });
      await untracked('START TRANSACTION');
      await untracked(`INSERT INTO ${table} (id) VALUES (7)`);
      await first.query('SELECT 1'); // a result set carries no status flags
      first.release();
      const [[state]] = await pool.query<RowDataPacket[]>('SELECT @@in_transaction AS t');
      expect(state!.t).toBe(0);
      expect(await rowsInTable()).toBe(0);
      expect(await counter(pool, 'Com_rollback')).toBeGreaterThan(before);
    });

    it('a committed transaction is kept, and a clean release sends no ROLLBACK (no extra round trip)', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      const before = await counter(pool, 'Com_rollback');
      await pool.transaction(async (connection) => {
        await connection.query(`INSERT INTO ${table} (id) VALUES (5)`);
      });
      for (let i = 0; i < 5; i++) await pool.query('SELECT 1');
      expect(await counter(pool, 'Com_rollback')).toBe(before);
      expect(await rowsInTable()).toBe(1);
    });
  });

  describe('row 37: full session reset (resetSession: true) on MariaDB', () => {
    it('clears user and session variables, temporary tables and a changed database; keeps the configured database; one COM_RESET_CONNECTION per release', async () => {
      const options = connectionOptions();
      pool = createMysqlPool({ ...options, resetSession: true, pool: { max: 1 } });
      const [[defaults]] = await pool.query<RowDataPacket[]>('SELECT @@session.sql_mode AS mode, @@session.time_zone AS tz');
      const resetsBefore = await counter(pool, 'Com_reset_connection');
      const first = await pool.getConnection();
      await first.query("SET @marker = 'dirty', SESSION sql_mode = 'ANSI', time_zone = '+05:00'");
      await first.query('CREATE TEMPORARY TABLE pool_mysql_tmp (x INT)');
      await first.query('START TRANSACTION');
      await first.query('USE information_schema');
      const id = first.threadId;
      first.release();

      const next = await pool.getConnection();
      expect(next.threadId).toBe(id);
      const [[state]] = await next.query<RowDataPacket[]>(
        'SELECT DATABASE() AS db, @marker AS marker, @@session.sql_mode AS mode, @@session.time_zone AS tz, @@in_transaction AS t',
      );
      expect(state).toEqual({ db: options.database, marker: null, mode: defaults!.mode, tz: defaults!.tz, t: 0 });
      await expect(next.query('SELECT * FROM pool_mysql_tmp')).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
      next.release();
      // the two releases above, plus the one after the counter query itself
      expect(await counter(pool, 'Com_reset_connection')).toBe(resetsBefore + 3);
    });

    it('prepared statements work across a reset (the server drops them; mysql2 re-prepares)', async () => {
      pool = createMysqlPool({ ...connectionOptions(), resetSession: true, pool: { max: 1 } });
      const [first] = await pool.execute<RowDataPacket[]>('SELECT ? + 1 AS n', [1]);
      const [second] = await pool.execute<RowDataPacket[]>('SELECT ? + 1 AS n', [2]);
      expect([first[0]!.n, second[0]!.n]).toEqual([2, 3]);
      expect(pool.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
    });

    it('without resetSession, session variables are kept across borrows (the documented default)', async () => {
      pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
      await pool.query("SET @kept = 'yes'");
      const [[row]] = await pool.query<RowDataPacket[]>('SELECT @kept AS kept');
      expect(row!.kept).toBe('yes');
    });
  });
  it('a connection whose borrower ran changeUser is closed at release: the next borrower gets the configured database on a new session', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const conn = await pool.getConnection();
    const changedThread = conn.threadId;
    await conn.changeUser({ database: 'mysql' });
    conn.release();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS db, CONNECTION_ID() AS id');
    expect(row!.db).toBe(connectionOptions().database);
    expect(row!.id).not.toBe(changedThread);
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('the same through the callback API (conn.connection.changeUser)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const conn = await pool.getConnection();
    const changedThread = conn.threadId;
    await new Promise<void>((resolve, reject) => conn.connection.changeUser({ database: 'mysql' }, (error) => (error ? reject(error) : resolve())));
    conn.release();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS db, CONNECTION_ID() AS id');
    expect(row!.db).toBe(connectionOptions().database);
    expect(row!.id).not.toBe(changedThread);
  });
  it('listeners a borrower added (conn.on, conn.connection.on) are gone at release: the next borrower of the connection does not feed them', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const first = await pool.getConnection();
    const heard: string[] = [];
    const before = first.connection.listenerCount('error');
    first.on('error', () => heard.push('promise view'));
    first.connection.on('end', () => heard.push('callback view'));
    first.release();
    const second = await pool.getConnection();
    expect(second.connection.listenerCount('error')).toBe(before);
    expect(second.connection.listenerCount('end')).toBe(1); // the pool's own
    second.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([]);
  });
  it('resetSession: the SET statements of a \'connection\' listener are sent again after each reset; its other statements are not, and a borrower\'s own settings are cleared', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1, resetSession: true });
    let inserted = 0;
    pool.on('connection', (conn) => {
      conn.query("SET SESSION time_zone = '+03:00'");
      conn.query('SET @tenant = ?', ['acme']);
      conn.query(`INSERT INTO ${table} (id) VALUES (${++inserted})`);
    });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const conn = await pool.getConnection();
      const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.time_zone AS tz, @tenant AS tenant, @mine AS mine');
      seen.push(row);
      await conn.query("SET @mine = 'left behind'");
      conn.release();
    }
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ tz: '+03:00', tenant: 'acme', mine: null })));
    expect(await rowsInTable()).toBe(1);
  });
});
