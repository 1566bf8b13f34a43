// Issue 14: a restart of a private PostgreSQL under load: only calls in flight may fail, each with a
// code and by its deadline; callers whose deadline outlasts the outage succeed once the server is back.
import { requirePrivateServer, restartUnderLoad, startPrivatePostgres, type PrivatePostgres } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';

const check = requirePrivateServer('postgres');

describe.skipIf(!check.available)('a restart of a private PostgreSQL under load', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('30 callers through a 1 s restart: no failure without a code, none past its deadline, callers waiting through it succeed', async () => {
    const deadlineMs = 4000;
    const pool = createPgPool({ connectionString: server.url, max: 10, queryTimeoutMs: deadlineMs, connectionTimeoutMillis: deadlineMs });
    pool.on('error', () => undefined); // idle clients see the shutdown: reported, never thrown
    const run = await restartUnderLoad(server, () => pool.query('SELECT 1'), { callers: 30 });
    await pool.end();

    expect(run.withoutCode, 'failures without a code').toEqual([]);
    expect(run.failures.filter((f) => f.end - f.start > deadlineMs + 500), 'failures past their deadline').toEqual([]);
    expect(run.waitedThrough.length, 'callers that waited through the outage and succeeded').toBeGreaterThan(0);
    // recovery follows the server (generous for a loaded 2-core machine; the bench measures it)
    expect(run.firstSuccessAfterMs).toBeLessThan(1500);
    // only calls in flight on the 10 connections at the stop may fail, never every caller in the outage
    expect(run.failures.length).toBeLessThanOrEqual(10);
    expect(run.failures.filter((f) => f.code === 'POOL_UNAVAILABLE')).toEqual([]);
  }, 30_000);
});
