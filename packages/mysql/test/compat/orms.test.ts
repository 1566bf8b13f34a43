// Kysely's MysqlDialect and Drizzle's mysql2 driver on @pool/mysql: a transaction and a streaming read;
// and TypeORM's mysql2 driver calls replayed side by side against mysql2's pool.
import { requireService } from '@pool/testkit';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { Kysely, MysqlDialect } from 'kysely';
import mysql2 from 'mysql2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';

const service = await requireService('mysql');
const table = `pool_mysql_orm_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

interface Database {
  [key: string]: { id: number; name: string };
}

describe.skipIf(!service.available)('ORMs on @pool/mysql', () => {
  let pool: MysqlPool;
  beforeAll(async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 2 });
    await pool.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(20))`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('Kysely MysqlDialect: a transaction commits, a failed one rolls back, a streamed read sees the rows; nothing stays borrowed', async () => {
    const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto(table).values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]).execute();
    });
    await expect(db.transaction().execute(async (trx) => {
      await trx.insertInto(table).values({ id: 3, name: 'c' }).execute();
      throw new Error('roll me back');
    })).rejects.toThrow('roll me back');
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom(table).selectAll().orderBy('id').stream()) streamed.push(row);
    expect(streamed).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    // Kysely releases the streaming connection a tick after the last row
    await vi.waitFor(() => expect(pool.stats().borrowed).toBe(0), { timeout: 2000 });
    // Kysely's destroy() ends the pool it was given: here a fresh one, so the shared pool stays open
    const own = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const second = new Kysely<Database>({ dialect: new MysqlDialect({ pool: own }) });
    expect(await second.selectFrom(table).select('id').execute()).toHaveLength(2);
    await second.destroy();
    expect(own.stats().closed).toBe(true);
    await db.deleteFrom(table).execute();
  });

  it('Drizzle mysql2 driver: a transaction commits, iterator() streams and gives its connection back', async () => {
    const rows = mysqlTable(table, { id: int('id').primaryKey(), name: varchar('name', { length: 20 }) });
    const db = drizzle({ client: pool as never });
    await db.transaction(async (tx) => {
      await tx.insert(rows).values([{ id: 10, name: 'x' }, { id: 11, name: 'y' }]);
    });
    await expect(db.transaction(async (tx) => {
      await tx.insert(rows).values({ id: 12, name: 'z' });
      throw new Error('roll me back');
    })).rejects.toThrow('roll me back');
    const seen: unknown[] = [];
    for await (const row of db.select().from(rows).orderBy(rows.id).iterator()) seen.push(row);
    expect(seen).toEqual([{ id: 10, name: 'x' }, { id: 11, name: 'y' }]);
    await vi.waitFor(() => expect(pool.stats().borrowed).toBe(0), { timeout: 2000 });
    const [count] = await db.select({ n: dsql<number>`count(*)` }).from(rows);
    expect(Number(count!.n)).toBe(2);
    await db.delete(rows);
  });

  it('TypeORM\'s mysql2 driver calls, replayed side by side (its createPool options with undefined values, getConnection(cb), conn.promise().query, a stream, savepoints, pool.end(cb))', async () => {
    // what typeorm 1.x MysqlDriver/MysqlQueryRunner send when `driver` is mysql2 (read from its published code)
    const typeormOptions = {
      charset: undefined, timezone: undefined, connectTimeout: undefined, insecureAuth: undefined, supportBigNumbers: true,
      bigNumberStrings: true, dateStrings: undefined, debug: undefined, trace: undefined, multipleStatements: undefined,
      flags: undefined, stringifyObjects: true, ...connectionOptions(), ssl: undefined, socketPath: undefined, connectionLimit: undefined,
    };
    const replay = async (createPool: (options: object) => mysql2.Pool) => {
      const driverPool = createPool(typeormOptions);
      const obtain = () => new Promise<mysql2.PoolConnection>((resolve, reject) => driverPool.getConnection((error, conn) => {
        if (error) return reject(error);
        if (conn.listeners('error').length === 0) conn.on('error', () => undefined);
        resolve(conn);
      }));
      (await obtain()).release();
      const conn = await obtain();
      const out: unknown[] = [];
      await conn.promise().query('START TRANSACTION');
      await conn.promise().query(`CREATE TEMPORARY TABLE ${table}_t (id BIGINT, j JSON)`);
      const [inserted] = await conn.promise().query<mysql2.ResultSetHeader>(`INSERT INTO ${table}_t VALUES (?, ?)`, [9007199254740993n, JSON.stringify({ a: 1 })]);
      out.push(inserted.affectedRows);
      await conn.promise().query('SAVEPOINT typeorm_1');
      await conn.promise().query('ROLLBACK TO SAVEPOINT typeorm_1');
      const [selected] = await conn.promise().query({ sql: `SELECT * FROM ${table}_t`, timeout: 5000 }, []);
      out.push(selected);
      await conn.promise().query('COMMIT');
      let streamed = 0;
      for await (const _ of conn.query('SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5', []).stream()) streamed++;
      out.push(streamed);
      out.push(await conn.promise().query('SELEC').then(() => 'ran', (error: { code?: string }) => error.code));
      conn.release();
      await new Promise<void>((resolve, reject) => driverPool.end((error) => (error ? reject(error) : resolve())));
      return out;
    };
    const theirs = await replay((options) => mysql2.createPool(options));
    const ours = await replay((options) => createMysqlPool(options as never) as unknown as mysql2.Pool);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([1, [{ id: '9007199254740993', j: { a: 1 } }], 5, 'ER_PARSE_ERROR']);
  });
});
