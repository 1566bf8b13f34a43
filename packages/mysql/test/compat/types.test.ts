// TypeScript: code typed against mysql2's pools compiles against ours (`pnpm typecheck` checks
// this file) and runs the same; Kysely's MysqlDialect takes the pool as it is. What does not type is
// a documented difference, asserted with @ts-expect-error.
import { requireService } from '@pool/testkit';
import type { MysqlPool as KyselyMysqlPool } from 'kysely';
import type mysql from 'mysql2';
import type mysqlPromise from 'mysql2/promise';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../../src/index.js';
import { sideBySide } from './harness.js';
import { connectionOptions } from '../helpers.js';

const service = await requireService('mysql');

/** mysql2 README's callback code, typed with mysql2's own types: no `!`, no casts. */
function borrowQueryEnd(pool: Pick<mysql.Pool, 'getConnection' | 'end'>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    pool.getConnection((err, conn) => {
      if (err) return reject(err);
      conn.query<mysql.RowDataPacket[]>('SELECT 1 AS n', (queryError, rows) => {
        conn.release();
        pool.end((endError) => (queryError ?? endError ? reject(queryError ?? endError) : resolve(rows)));
      });
    });
  });
}

describe.skipIf(!service.available)('types: mysql2-typed code on our pool', () => {
  it('getConnection((err, conn) => ...) and end((err) => ...) typed as mysql2\'s compile against ours and run the same', async () => {
    const ours: MysqlPool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    expectTypeOf(ours).toExtend<Pick<mysql.Pool, 'getConnection' | 'end'>>();
    await ours.end();
    const { mysql2, ours: outcome } = await sideBySide(async (c) => borrowQueryEnd(c.name === 'mysql2' ? c.callbackPool() : createMysqlPool(connectionOptions())));
    expect(outcome).toEqual(mysql2);
    expect(outcome).toEqual([{ n: 1 }]);
  });

  it('Kysely\'s MysqlPool type accepts ours; mysql2\'s Pool and mysql2/promise\'s PoolConnection types do not (difference)', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    expectTypeOf(pool).toExtend<KyselyMysqlPool>();
    // @ts-expect-error -- documented difference (README): not a mysql2 `Pool` to TypeScript
    const asMysql2: mysql.Pool = pool;
    // at run time it serves code written for mysql2's callback pool
    const rows = await new Promise((resolve, reject) => asMysql2.query('SELECT 2 AS n', (error, result) => (error ? reject(error) : resolve(result))));
    expect(rows).toEqual([{ n: 2 }]);
    const conn = await pool.getConnection();
    // @ts-expect-error -- documented difference (README): nor is a borrowed connection a mysql2/promise `PoolConnection`
    const asPromiseConnection: mysqlPromise.PoolConnection = conn;
    // at run time it answers what mysql2/promise code asks of one
    const [[row]] = await asPromiseConnection.query<mysql.RowDataPacket[]>('SELECT 3 AS n');
    expect(row).toEqual({ n: 3 });
    asPromiseConnection.release();
    await pool.end();
  });

  it('a single value binds the one ? of a text query (mysql2 types it so): pool.query, conn.query, callback form; conn.config is typed as mysql2\'s; the same outcome', async () => {
    const id = 7;
    const name = "it's";
    const { mysql2, ours } = await sideBySide(async (c) => {
      if (c.name === 'mysql2') {
        const pool = c.promisePool({ connectionLimit: 1 });
        const [a] = await pool.query('SELECT ? AS n', id);
        const conn = await pool.getConnection();
        const [b] = await conn.query('SELECT ? AS s', name);
        const database: string | undefined = conn.config.database;
        conn.release();
        await pool.end();
        return [a, b, database];
      }
      // typed as our pool, no casts: the scalar must type-check here
      const pool: MysqlPool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
      const [a] = await pool.query('SELECT ? AS n', id);
      const conn = await pool.getConnection();
      const [b] = await conn.query('SELECT ? AS s', name);
      const database: string | undefined = conn.config.database;
      conn.release();
      const viaCallback = await new Promise((resolve, reject) => pool.query('SELECT ? AS n', id, (error, rows) => (error ? reject(error) : resolve(rows))));
      expect(viaCallback).toEqual(a);
      await pool.end();
      return [a, b, database];
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([[{ n: 7 }], [{ s: "it's" }], connectionOptions().database]);
  });
});
