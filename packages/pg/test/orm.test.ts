import { requireService } from '@pool/testkit';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, type PgPool } from '../src/index.js';
import { pgUrl } from './helpers.js';

const svc = await requireService('pg');
const table = `pool_pg_orm_${process.pid}`;

interface Database {
  [table: string]: { id: string; n: number };
}

describe.skipIf(!svc.available)('@pool/pg with Kysely and Drizzle on the real server', () => {
  let pool: PgPool;
  beforeAll(async () => {
    pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-orm', max: 4 });
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, n int NOT NULL)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it("Kysely's PostgresDialect({ pool }) runs queries and transactions (rollback on throw)", async () => {
    // Kysely ends the pool it was given on destroy(); a separate PgPool keeps the shared one open
    const own = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-kysely', max: 2 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: own }) });
    try {
      await db.insertInto(table).values({ id: 'k1', n: 1 }).execute();
      const rows = await db.selectFrom(table).selectAll().where('id', '=', 'k1').execute();
      expect(rows).toEqual([{ id: 'k1', n: 1 }]);
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: 'k2', n: 2 }).execute();
          throw new Error('kysely rollback');
        }),
      ).rejects.toThrow('kysely rollback');
      const after = await db.selectFrom(table).select('id').where('id', 'in', ['k1', 'k2']).execute();
      expect(after.map((row) => row.id)).toEqual(['k1']);
      const { rows: raw } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
      expect(raw).toEqual([{ one: 1 }]);
      expect(own.stats().borrowed).toBe(0);
    } finally {
      await db.destroy(); // calls own.end()
    }
    expect(own.ended).toBe(true);
  });

  it("Drizzle's node-postgres driver runs queries, and a transaction stays on one client and rolls back on throw", async () => {
    const items = pgTable(table, { id: text('id').primaryKey(), n: integer('n').notNull() });
    const db = drizzle({ client: pool });
    await db.insert(items).values({ id: 'd1', n: 10 });
    expect(await db.select().from(items).where(dsql`${items.id} = 'd1'`)).toEqual([{ id: 'd1', n: 10 }]);

    const pids = await db.transaction(async (tx) => {
      const a = await tx.execute(dsql`SELECT pg_backend_pid() AS pid`);
      await tx.insert(items).values({ id: 'd2', n: 20 });
      const b = await tx.execute(dsql`SELECT pg_backend_pid() AS pid, (SELECT count(*)::int FROM ${items} WHERE id = 'd2') AS seen`);
      return [a.rows[0], b.rows[0]];
    });
    expect(pids[0]!.pid).toBe(pids[1]!.pid);
    expect(pids[1]!.seen).toBe(1);

    await expect(
      db.transaction(async (tx) => {
        await tx.insert(items).values({ id: 'd3', n: 30 });
        throw new Error('drizzle rollback');
      }),
    ).rejects.toThrow('drizzle rollback');
    const left = await db.select({ id: items.id }).from(items).where(dsql`${items.id} like 'd%'`).orderBy(items.id);
    expect(left.map((row) => row.id)).toEqual(['d1', 'd2']);
    expect(pool.stats().borrowed).toBe(0);
  });

  it("Kysely's PostgresDialect streams a read through pg-cursor on a client of ours, and gives it back", async () => {
    const own = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-kysely-stream', max: 2 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: own, cursor: Cursor as never }) });
    try {
      await db.insertInto(table).values([{ id: 's1', n: 1 }, { id: 's2', n: 2 }, { id: 's3', n: 3 }]).onConflict((oc) => oc.doNothing()).execute();
      const seen: number[] = [];
      for await (const row of db.selectFrom(table).select('n').where('id', 'like', 's%').orderBy('n').stream(2)) {
        seen.push(row.n);
        expect(own.stats().borrowed).toBe(1);
      }
      expect(seen).toEqual([1, 2, 3]);
      expect(own.stats().borrowed).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('Drizzle: a query it builds streams through pg-query-stream on a client lent by connect(), which then goes back', async () => {
    const items = pgTable(table, { id: text('id').primaryKey(), n: integer('n').notNull() });
    const db = drizzle({ client: pool });
    await db.insert(items).values([{ id: 'q1', n: 11 }, { id: 'q2', n: 12 }]).onConflictDoNothing();
    const query = db.select({ n: items.n }).from(items).where(dsql`${items.id} like 'q%'`).orderBy(items.n).toSQL();
    const client = await pool.connect();
    const seen: number[] = [];
    try {
      for await (const row of client.query(new QueryStream(query.sql, query.params, { batchSize: 1 }))) seen.push((row as { n: number }).n);
    } finally {
      client.release();
    }
    expect(seen).toEqual([11, 12]);
    expect(pool.stats().borrowed).toBe(0);
  });
});
