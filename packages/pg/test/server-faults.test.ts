// Real server faults on a PRIVATE PostgreSQL (stopped, restarted), never the shared one: what a caller
// of pool.query sees, next to what pg.Pool gives in the same run where the two differ.
import { isPoolError } from '@pool/core';
import { requirePrivateServer, startPrivatePostgres, type PrivatePostgres } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';
import { sleep } from './helpers.js';

const privatePg = requirePrivateServer('postgres');

describe.skipIf(!privatePg.available)('@pool/pg on a PRIVATE server that goes down and comes back', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('a stop longer than the liveness threshold: calls waiting for a connection (no connectionTimeoutMillis) wait it out and succeed, none fails with POOL_SERVER_UNRESPONSIVE', async () => {
    // the liveness check runs after 1 s; the server refuses it (down), which is not a frozen server
    const pool = createPgPool({ connectionString: server.url, max: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      await server.stop();
      const started = performance.now();
      const calls = Array.from({ length: 3 }, (_, i) =>
        pool.query('SELECT $1::int AS n', [i]).then((result) => ({ ok: result.rows[0].n as number, ms: performance.now() - started }), (error: unknown) => ({ error, ms: performance.now() - started })),
      );
      // down for 2.5 s: two liveness checks fall in the outage, both refused
      await sleep(2500);
      await server.start();
      const outcomes = await Promise.all(calls);
      const failures = outcomes.filter((o) => 'error' in o).map((o) => (o as { error: unknown }).error);
      expect(failures.filter((e) => isPoolError(e, 'POOL_SERVER_UNRESPONSIVE')), 'failed as unresponsive while the server refused').toEqual([]);
      expect(failures).toEqual([]);
      expect(outcomes.map((o) => (o as { ok: number }).ok)).toEqual([0, 1, 2]);
    } finally {
      if (!server.running) await server.start();
      await pool.end();
    }
  }, 20_000);
});
