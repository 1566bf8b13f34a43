// Server-side session timeouts set through the connection's options, on the shared server (they only
// end this test's own sessions): what a caller of transaction(fn) sees when the server closes its client.
import { requireService, statsViolations, waitUntil } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';
import { pgUrl, sleep } from './helpers.js';

const svc = await requireService('pg');

describe.skipIf(!svc.available)('@pool/pg under server-side session timeouts', () => {
  it("transaction(fn) idle past idle_in_transaction_session_timeout: rejects with POOL_CONNECTION_LOST and the server's 25P03 as cause (not only pg's 'not queryable'); the client is replaced", async () => {
    const pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-session-timeouts', max: 1, options: '-c idle_in_transaction_session_timeout=300' });
    try {
      type Lost = Error & { code?: string; cause?: Error & { code?: string } };
      const error = (await pool
        .transaction(async (tx) => {
          await tx.query('SELECT 1');
          await sleep(1000); // waiting on something else, inside the transaction: the server ends the session
          await tx.query('SELECT 2');
        })
        .catch((e: unknown) => e)) as Lost;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe('Client has encountered a connection error and is not queryable');
      expect(error.code).toBe('POOL_CONNECTION_LOST');
      expect(error.cause?.code).toBe('25P03');
      await waitUntil(() => pool.stats().totals.destroyed === 1, 'the closed client to be destroyed');
      expect((await pool.query('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
      expect(statsViolations(pool.stats())).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
