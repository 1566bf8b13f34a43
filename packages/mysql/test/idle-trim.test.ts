// mysql2's maxIdle on @pool/core: idle connections beyond maxIdle are closed (once a second), never
// below the core pool's min, and the pool keeps serving afterwards.
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPoolConnection } from '../src/index.js';
import { trimIdle } from '../src/idle-trim.js';
import { connectionOptions } from './helpers.js';

const service = await requireService('mysql');

async function borrowAndReturn(pool: ReturnType<typeof createMysqlPool>, n: number): Promise<void> {
  const conns: MysqlPoolConnection[] = await Promise.all(Array.from({ length: n }, () => pool.getConnection()));
  for (const conn of conns) conn.release();
}

describe.skipIf(!service.available)('maxIdle', () => {
  it('trimIdle closes the idle connections beyond maxIdle and no more; a borrowed one is never touched', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 4, maxIdle: 1 });
    await borrowAndReturn(pool, 4);
    const held = await pool.getConnection();
    expect(pool.stats()).toMatchObject({ size: 4, idle: 3, borrowed: 1 });
    expect(trimIdle(pool.pool, 1)).toBe(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 1, borrowed: 1, max: 4 });
    expect(trimIdle(pool.pool, 1)).toBe(0);
    const [[row]] = await held.query<RowDataPacket[]>('SELECT 1 AS ok');
    expect(row!.ok).toBe(1);
    held.release();
    await pool.end();
  });

  it('never below the core pool\'s min, and the core max comes back (the pool grows to connectionLimit again)', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 4, maxIdle: 0, pool: { min: 2 } });
    await borrowAndReturn(pool, 4);
    expect(trimIdle(pool.pool, 0)).toBe(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2, min: 2, max: 4 });
    await borrowAndReturn(pool, 4);
    expect(pool.stats()).toMatchObject({ size: 4, idle: 4 });
    await pool.end();
  });

  it('without maxIdle (or maxIdle >= connectionLimit) idle connections are kept, as in mysql2', async () => {
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 3 });
    await borrowAndReturn(pool, 3);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3 });
    await pool.end();
  });
});
