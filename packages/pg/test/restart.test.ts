// Issue 14: a restart of a private PostgreSQL under load: only calls in flight may fail, each with a
// code and by its deadline; callers whose deadline outlasts the outage succeed once the server is back.
import { requirePrivateServer, startPrivatePostgres, type PrivatePostgres } from '@pool/testkit';
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
    const outcomes: Array<{ ok: boolean; start: number; end: number; code?: unknown }> = [];
    let stop = false;
    const caller = async () => {
      while (!stop) {
        const start = performance.now();
        try {
          await pool.query('SELECT 1');
          outcomes.push({ ok: true, start, end: performance.now() });
        } catch (error) {
          outcomes.push({ ok: false, start, end: performance.now(), code: (error as { code?: unknown }).code });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const callers = Array.from({ length: 30 }, caller);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const times = await server.restart({ downMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop = true;
    await Promise.all(callers);
    await pool.end();

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.filter((f) => typeof f.code !== 'string'), 'failures without a code').toEqual([]);
    expect(failures.filter((f) => f.end - f.start > deadlineMs + 500), 'failures past their deadline').toEqual([]);
    const waitedThrough = outcomes.filter((o) => o.ok && o.start < times.downAt && o.end > times.readyAt);
    expect(waitedThrough.length, 'callers that waited through the outage and succeeded').toBeGreaterThan(0);
    const firstAfter = Math.min(...outcomes.filter((o) => o.ok && o.end > times.readyAt).map((o) => o.end));
    // recovery follows the server (generous for a loaded 2-core machine; the bench measures it)
    expect(firstAfter - times.readyAt).toBeLessThan(1500);
    // only calls in flight on the 10 connections at the stop may fail, never every caller in the outage
    expect(failures.length).toBeLessThanOrEqual(10);
    expect(failures.filter((f) => f.code === 'POOL_UNAVAILABLE')).toEqual([]);
  }, 30_000);
});
