// Issue 14: a restart of a private MariaDB under load: callers whose deadline outlasts the outage succeed,
// every failure has a code and comes by its deadline, and the pool is full again soon after the server.
import { requirePrivateServer, restartUnderLoad, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
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
    const run = await restartUnderLoad(server, () => pool.query('SELECT 1', undefined, { queryTimeoutMs: deadlineMs }));
    await pool.end({ timeoutMs: 2000 });

    expect(run.withoutCode, 'failures without a code').toEqual([]);
    expect(run.failures.filter((f) => f.end - f.start > deadlineMs + 500), 'failures past their deadline').toEqual([]);
    // callers waiting while the server was down (deadline longer than the outage) succeeded once it was back
    expect(run.waitedThrough.length).toBeGreaterThan(0);
    // recovery follows the server (generous for a loaded 2-core machine)
    expect(run.firstSuccessAfterMs).toBeLessThan(1500);
    // only calls in flight at the stop may fail (at most one per connection), never a pool-wide error storm
    expect(run.failures.length).toBeLessThanOrEqual(10);
    expect(run.failures.filter((f) => f.code === 'POOL_UNAVAILABLE')).toEqual([]);
  }, 30_000);
});
