// Real server faults on a PRIVATE PostgreSQL (stopped, restarted), never the shared one: what a caller
// of pool.query sees, next to what pg.Pool gives in the same run where the two differ.
import { isPoolError } from '@pool/core';
import { requirePrivateServer, startPrivatePostgres, type PrivatePostgres } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPgPool } from '../src/index.js';
import { describeError } from './compat/side-by-side.js';
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

  it('a stop longer than the liveness threshold: calls waiting for a connection (no connectionTimeoutMillis; pool.query, connect(), transaction()) wait it out and succeed, none fails with POOL_SERVER_UNRESPONSIVE', async () => {
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
      // connect() and transaction() wait through it as well (they are watched as pool.query is)
      const borrowed = pool.connect().then(async (client) => {
        try {
          return (await client.query('SELECT 3 AS n')).rows[0].n as number;
        } finally {
          client.release();
        }
      }, (error: unknown) => error);
      const transaction = pool.transaction(async (client) => (await client.query('SELECT 4 AS n')).rows[0].n as number).catch((error: unknown) => error);
      // down for 2.5 s: two liveness checks fall in the outage, both refused
      await sleep(2500);
      await server.start();
      const outcomes = await Promise.all(calls);
      const failures = outcomes.filter((o) => 'error' in o).map((o) => (o as { error: unknown }).error);
      expect(failures.filter((e) => isPoolError(e, 'POOL_SERVER_UNRESPONSIVE')), 'failed as unresponsive while the server refused').toEqual([]);
      expect(failures).toEqual([]);
      expect(outcomes.map((o) => (o as { ok: number }).ok)).toEqual([0, 1, 2]);
      expect(await borrowed).toBe(3);
      expect(await transaction).toBe(4);
    } finally {
      if (!server.running) await server.start();
      await pool.end();
    }
  }, 20_000);

  it('end() while the server is down and calls wait for a connection: like pg.Pool, they get the driver\'s ECONNREFUSED and end() resolves, instead of both waiting out the 30 s deadline', async () => {
    const contenders = [
      ['pg.Pool', () => new pg.Pool({ connectionString: server.url, max: 4 })],
      ['@pool/pg', () => createPgPool({ connectionString: server.url, max: 4 }) as unknown as pg.Pool],
    ] as const;
    const seen: Record<string, { errors: Record<string, unknown>[]; endMs: number }> = {};
    for (const [name, make] of contenders) {
      const pool = make();
      pool.on('error', () => undefined);
      await pool.query('SELECT 1');
      await server.stop();
      try {
        const calls = Array.from({ length: 3 }, () => pool.query('SELECT 1').then(() => ({ ok: true }), (error: unknown) => describeError(error)));
        await sleep(100);
        const started = performance.now();
        // bounded well below the 30 s the calls would otherwise wait (acquireTimeoutMs)
        const ended = await Promise.race([pool.end().then(() => performance.now() - started), sleep(10_000).then(() => Infinity)]);
        const errors = await Promise.race([Promise.all(calls), sleep(1000).then(() => [{ stillWaiting: true }])]);
        seen[name] = { errors, endMs: ended };
      } finally {
        await server.start();
      }
    }
    const theirs = seen['pg.Pool'] as { errors: Record<string, unknown>[]; endMs: number };
    const ours = seen['@pool/pg'] as { errors: Record<string, unknown>[]; endMs: number };
    expect(theirs.errors.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(ours.errors).toEqual(theirs.errors);
    expect(ours.endMs, 'end() resolved').toBeLessThan(10_000);
  }, 30_000);
});
