// A borrower destroys its connection while its own statement is still running (`conn.query(...)` not yet
// answered, then `conn.destroy()`): mysql2 half-closes, so the statement's promise still settles. Ours closed
// the socket after quitTimeoutMs in a way mysql2 no longer reports to the statement: its promise never settled.
import { requireService, within } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { connectionOptions } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('conn.destroy() with a statement in flight', () => {
  it('the statement settles in both; a short one completes (difference: one still running after quitTimeoutMs, 1 s, fails with POOL_CONNECTION_LOST in ours, completes in mysql2)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ ...connectionOptions(), connectionLimit: 1 });
      const run = async (sql: string) => {
        const conn = await pool.getConnection();
        const started = performance.now();
        const statement = conn.query<RowDataPacket[]>(sql).then(([rows]) => rows, (e: unknown) => shape(e));
        conn.destroy();
        const outcome = await within(statement, 5000, `${sql} after destroy()`);
        return { outcome, ms: performance.now() - started };
      };
      const short = await run('SELECT SLEEP(0.2) AS slept');
      const long = await run('SELECT SLEEP(2) AS slept');
      const [[next]] = await pool.query<RowDataPacket[]>('SELECT 3 AS n');
      await pool.end();
      return { short: short.outcome, long: long.outcome, longMs: long.ms, next: next!.n };
    });
    expect(mysql2.short).toEqual([{ slept: 0 }]);
    expect(ours.short).toEqual(mysql2.short);
    expect(mysql2.long).toEqual([{ slept: 0 }]);
    expect(ours.long).toMatchObject({ class: 'PoolError', code: 'POOL_CONNECTION_LOST', fatal: true });
    expect(ours.longMs).toBeLessThan(mysql2.longMs);
    expect([mysql2.next, ours.next]).toEqual([3, 3]);
  }, 20_000);
});
