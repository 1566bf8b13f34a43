// A call cut by its deadline (queryTimeoutMs, pg's query_timeout) or its signal: closing the connection
// does not stop the statement on the server, so the pool cancels it there (PostgreSQL's CancelRequest).
import { isPoolError } from '@pool/core';
import { requireService, waitUntil } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';
import { baseConfig, sideBySide } from './compat/side-by-side.js';
import { pgUrl, withAdmin } from './helpers.js';

const svc = await requireService('pg');

/** How many statements the server is running for `applicationName`. */
function running(applicationName: string): Promise<number> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [applicationName]);
    return rows[0].n as number;
  });
}

describe.skipIf(!svc.available)('@pool/pg: a call cut by its deadline or signal is cancelled on the server', () => {
  it('queryTimeoutMs and an aborted signal: the caller gets POOL_TIMEOUT / POOL_ABORTED and the statement stops on the server (it held a row lock the next writer gets)', async () => {
    const applicationName = `pool-pg-cancel-${process.pid}`;
    const pool = createPgPool({ connectionString: pgUrl, application_name: applicationName, max: 2 });
    const table = `pool_pg_cancel_${process.pid}`;
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, n int)`);
      await pool.query(`INSERT INTO ${table} VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0`);
      // an UPDATE that takes the row lock, then sleeps (within the one statement) for 10 s
      const locking = `UPDATE ${table} SET n = n + 1 WHERE id = 1 AND pg_sleep(10) IS NOT NULL`;
      const timedOut = await pool.query({ text: locking, queryTimeoutMs: 300 } as unknown as string).catch((e: unknown) => e);
      expect(isPoolError(timedOut, 'POOL_TIMEOUT')).toBe(true);
      await waitUntil(async () => (await running(applicationName)) === 0, 'the timed-out statement to stop on the server', 5_000, 50);
      // the row lock went with it: a writer with a short lock_timeout gets through
      await withAdmin(async (admin) => {
        await admin.query("SET lock_timeout = '2s'");
        await admin.query(`UPDATE ${table} SET n = 10 WHERE id = 1`);
      });

      const controller = new AbortController();
      const aborted = pool.query({ text: 'SELECT pg_sleep(10)', signal: controller.signal } as unknown as string).catch((e: unknown) => e);
      await waitUntil(async () => (await running(applicationName)) === 1, 'the statement to run', 5_000, 20);
      controller.abort();
      expect(isPoolError(await aborted, 'POOL_ABORTED')).toBe(true);
      await waitUntil(async () => (await running(applicationName)) === 0, 'the aborted statement to stop on the server', 5_000, 50);
      expect((await pool.query(`SELECT n FROM ${table} WHERE id = 1`)).rows).toEqual([{ n: 10 }]);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await pool.end();
    }
  }, 20_000);

  it('a multi-host pool (PgCluster): a query past its queryTimeoutMs is cancelled on the server too', async () => {
    const applicationName = `pool-pg-cancel-cluster-${process.pid}`;
    const cluster = createPgPool({ primary: pgUrl, application_name: applicationName, max: 2, health: { checkIntervalMs: 0 } });
    try {
      const error = await cluster.query({ text: 'SELECT pg_sleep(10)', queryTimeoutMs: 300 } as never).catch((e: unknown) => e);
      expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
      await waitUntil(async () => (await running(applicationName)) === 0, 'the timed-out statement to stop on the server', 5_000, 50);
    } finally {
      await cluster.end();
    }
  }, 20_000);

  it("DIFFERENCE (documented): after pg's query_timeout, pg.Pool leaves the statement running on the server; ours cancels it", async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const applicationName = `pool-pg-cancel-qt-${name === 'pg.Pool' ? 'theirs' : 'ours'}-${process.pid}`;
      const pool = make(baseConfig({ application_name: applicationName, query_timeout: 300 }));
      const error = await pool.query('SELECT pg_sleep(6)').catch((e: unknown) => e);
      let stopped = false;
      try {
        await waitUntil(async () => (await running(applicationName)) === 0, 'the statement to stop', 2_500, 50);
        stopped = true;
      } catch {
        stopped = false;
      }
      return { message: (error as Error).message, stopped };
    });
    expect(theirs).toEqual({ message: 'Query read timeout', stopped: false });
    expect(ours).toEqual({ message: 'Query read timeout', stopped: true });
  }, 20_000);
});
