// Issue 14: a restart of a private MariaDB under load: callers whose deadline outlasts the outage succeed,
// every failure has a code and comes by its deadline, and the pool is full again soon after the server.
import { requirePrivateServer, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool } from '../src/index.js';

const check = requirePrivateServer('mariadb');

describe.skipIf(!check.available)('a restart of a private MariaDB under load', () => {
  let server: PrivateMariadb;
  beforeAll(async () => {
    server = await startPrivateMariadb();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('20 callers through a 1 s restart: no failure without a code, none past its deadline, success soon after the server is back', async () => {
    const deadlineMs = 4000;
    const pool = createMysqlPool({ host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 10, pool: { acquireTimeoutMs: deadlineMs } });
    const outcomes: Array<{ ok: boolean; start: number; end: number; code?: unknown }> = [];
    let stop = false;
    const caller = async () => {
      while (!stop) {
        const start = performance.now();
        try {
          await pool.query('SELECT 1', undefined, { queryTimeoutMs: deadlineMs });
          outcomes.push({ ok: true, start, end: performance.now() });
        } catch (error) {
          outcomes.push({ ok: false, start, end: performance.now(), code: (error as { code?: unknown }).code });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const callers = Array.from({ length: 20 }, caller);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const times = await server.restart({ downMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop = true;
    await Promise.all(callers);
    await pool.end({ timeoutMs: 2000 });

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.filter((f) => typeof f.code !== 'string'), 'failures without a code').toEqual([]);
    expect(failures.filter((f) => f.end - f.start > deadlineMs + 500), 'failures past their deadline').toEqual([]);
    // callers waiting while the server was down (deadline longer than the outage) succeeded once it was back
    const waitedThrough = outcomes.filter((o) => o.ok && o.start < times.downAt && o.end > times.readyAt);
    expect(waitedThrough.length).toBeGreaterThan(0);
    const firstAfter = Math.min(...outcomes.filter((o) => o.ok && o.end > times.readyAt).map((o) => o.end));
    // recovery follows the server (generous for a loaded 2-core machine)
    expect(firstAfter - times.readyAt).toBeLessThan(1500);
    // only calls in flight at the stop may fail (at most one per connection), never a pool-wide error storm
    expect(failures.length).toBeLessThanOrEqual(10);
    expect(failures.filter((f) => f.code === 'POOL_UNAVAILABLE')).toEqual([]);
  }, 30_000);
});
