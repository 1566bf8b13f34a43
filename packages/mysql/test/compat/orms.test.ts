// Kysely's MysqlDialect and Drizzle's mysql2 driver on @pool/mysql: a transaction and a streaming read.
import { requireService } from '@pool/testkit';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { Kysely, MysqlDialect } from 'kysely';
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
});
