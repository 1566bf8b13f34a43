// mysql2's maxIdle on @pool/core's `maxIdle`: within about a second of a release, idle connections
// beyond maxIdle are closed, the least recently used first, never below the core pool's min and never
// a borrowed one; the pool keeps serving and grows back afterwards.
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPoolConnection } from '../src/index.js';
import { connectionOptions } from './helpers.js';

const service = await requireService('mysql');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function borrowAll(pool: ReturnType<typeof createMysqlPool>, n: number): Promise<MysqlPoolConnection[]> {
  return Promise.all(Array.from({ length: n }, () => pool.getConnection()));
}

describe.skipIf(!service.available)('maxIdle', () => {
  it('closes the idle connections beyond maxIdle within about a second, least recently used first; a borrowed one is never touched', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 4, maxIdle: 1 });
    const conns = await borrowAll(pool, 4);
    const held = conns[3] as MysqlPoolConnection;
    const newest = conns[2]?.threadId;
    for (const conn of conns.slice(0, 3)) conn.release(); // the third is the most recently used
    expect(pool.stats()).toMatchObject({ size: 4, idle: 3, borrowed: 1 });
    await sleep(1_500);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 1, borrowed: 1, max: 4 });
    const again = await pool.getConnection();
    expect(again.threadId).toBe(newest);
    const [[row]] = await held.query<RowDataPacket[]>('SELECT 1 AS ok');
    expect(row!.ok).toBe(1);
    again.release();
    held.release();
    await pool.end();
  });

  it('never below the core pool\'s min; the pool grows to connectionLimit again', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 4, maxIdle: 0, pool: { min: 2 } });
    for (const conn of await borrowAll(pool, 4)) conn.release();
    await sleep(1_500);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2, min: 2, max: 4 });
    for (const conn of await borrowAll(pool, 4)) conn.release();
    expect(pool.stats()).toMatchObject({ size: 4, idle: 4 });
    await pool.end();
  });

  it('without maxIdle (or maxIdle >= connectionLimit) idle connections are kept, as in mysql2', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 3 });
    for (const conn of await borrowAll(pool, 3)) conn.release();
    await sleep(1_200);
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3 });
    await pool.end();
  });
});
