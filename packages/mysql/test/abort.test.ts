// reliability.md row 34: a borrower aborts while its reply is in flight; the connection is never
// handed to anyone else, so no caller can read another caller's reply.
import { isPoolError } from '@pool/core';
import { requireService, statsViolations, waitUntil } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions, waitForStatement } from './helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('row 34: abort mid-query', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;

  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 3000 });
    pool = undefined;
  });
  afterAll(async () => {
    await admin.end();
  });

  it('an aborted query rejects POOL_ABORTED at once; its connection is destroyed, and the next caller gets its own reply', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const [[first]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    const controller = new AbortController();
    const slow = pool.query("SELECT SLEEP(3), 'slow reply' AS who", undefined, { signal: controller.signal });
    // abort once the server runs it: its reply is then in flight, and seconds away
    await waitForStatement(admin, first!.id, 'SELECT SLEEP');
    const abortedAt = performance.now();
    controller.abort(new Error('caller gave up'));
    await expect(slow).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_ABORTED'));
    expect(performance.now() - abortedAt).toBeLessThan(1000); // at the abort, not when the reply comes
    const [[next]] = await pool.query<RowDataPacket[]>("SELECT 'next reply' AS who, CONNECTION_ID() AS id");
    expect(next!.who).toBe('next reply');
    expect(next!.id).not.toBe(first!.id);
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('500 calls with random aborts on 3 connections: every completed call gets its own value', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 3 } });
    let mismatches = 0;
    let completed = 0;
    let aborted = 0;
    await Promise.all(Array.from({ length: 500 }, async (_, i) => {
      const controller = new AbortController();
      if (i % 3 === 0) setTimeout(() => controller.abort(), Math.floor(Math.random() * 4));
      try {
        const [[row]] = await pool!.query<RowDataPacket[]>('SELECT ? AS n', [i], { signal: controller.signal });
        completed++;
        if (Number(row!.n) !== i) mismatches++;
      } catch (error) {
        if (!isPoolError(error, 'POOL_ABORTED')) throw error;
        aborted++;
      }
    }));
    expect(mismatches).toBe(0);
    expect(completed + aborted).toBe(500);
    expect(completed).toBeGreaterThan(300);
    await waitUntil(() => pool!.stats().creating === 0 && pool!.stats().borrowed === 0, 'the pool to settle', 5000);
    expect(statsViolations(pool.stats())).toEqual([]);
  });
});
