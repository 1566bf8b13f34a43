// reliability.md rows 17 (server down, then up, under traffic) and 19 (connection reset mid-query),
// through the testkit fault proxy in front of the shared MariaDB.
import { isPoolError } from '@pool/core';
import { requireService, serviceAddress, startFaultProxy, statsViolations, waitUntil, type FaultProxy } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, isFatalMysqlError, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions, waitForStatement } from './helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('outages through the fault proxy', () => {
  let proxy: FaultProxy;
  let pool: MysqlPool | undefined;

  beforeAll(async () => {
    proxy = await startFaultProxy(serviceAddress('mysql'));
  });
  afterEach(async () => {
    await proxy.heal();
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('row 17: server down for 3 s under traffic: callers get typed errors by their deadline, the pool is full again within one backoff', async () => {
    const maxDelayMs = 500;
    const deadlineMs = 800;
    pool = createMysqlPool({
      ...connectionOptions(proxy),
      connectTimeout: 1000,
      quitTimeoutMs: 200,
      pool: { min: 4, max: 4, createTimeoutMs: 1000, validateTimeoutMs: 300, retry: { minDelayMs: 50, maxDelayMs }, name: 'outage' },
    });
    await pool.pool.ready();
    const outcomes: { ok: boolean; ms: number; error?: unknown; at: number }[] = [];
    const t0 = performance.now();
    let downAt = Infinity;
    let upAt = Infinity;
    const stopAt = t0 + 5500;
    // when the pool is first full again (4 open, none being created) after the server returned
    let fullAt = Infinity;
    const sampler = setInterval(() => {
      const stats = pool!.stats();
      if (fullAt === Infinity && performance.now() > upAt && stats.size === 4 && stats.creating === 0) fullAt = performance.now();
    }, 5);
    const caller = async () => {
      while (performance.now() < stopAt) {
        const started = performance.now();
        try {
          await pool!.query('SELECT 1', undefined, { timeoutMs: deadlineMs });
          outcomes.push({ ok: true, ms: performance.now() - started, at: started });
        } catch (error) {
          outcomes.push({ ok: false, ms: performance.now() - started, error, at: started });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const fault = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      downAt = performance.now();
      await proxy.refuse(true);
      proxy.closeAll();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await proxy.refuse(false);
      upAt = performance.now();
    })();
    await Promise.all([fault, ...Array.from({ length: 8 }, caller)]).finally(() => clearInterval(sampler));

    const failures = outcomes.filter((outcome) => !outcome.ok);
    expect(outcomes.filter((outcome) => outcome.ok && outcome.at < downAt).length).toBeGreaterThan(0);
    expect(failures.length, 'calls during the outage must fail').toBeGreaterThan(0);
    // nothing reaches the server while it is down (every connection was closed, new ones refused): no call
    // succeeds before it is back (a caller that started during the outage may wait and succeed after it)
    expect(outcomes.filter((outcome) => outcome.ok && outcome.at > downAt + 50 && outcome.at + outcome.ms < upAt - 50)).toEqual([]);
    for (const failure of failures) {
      // a pool error (timeout, create failed, unavailable) or the connection-level error of a query cut off mid-flight
      const typed = isPoolError(failure.error) || isFatalMysqlError(failure.error);
      expect(typed, `untyped error: ${String(failure.error)}`).toBe(true);
      expect(failure.ms).toBeLessThanOrEqual(deadlineMs + 300);
    }
    const firstSuccessAfterUp = outcomes.filter((outcome) => outcome.ok && outcome.at + outcome.ms > upAt).map((outcome) => outcome.at + outcome.ms);
    expect(firstSuccessAfterUp.length, 'calls after the server returned must succeed').toBeGreaterThan(0);
    expect(Math.min(...firstSuccessAfterUp) - upAt).toBeLessThanOrEqual(maxDelayMs + 1000);
    // full again within one backoff (the longest retry delay) plus a connect, measured from the server's return
    expect(fullAt - upAt, 'the pool back to 4 open connections after the server returned').toBeLessThanOrEqual(maxDelayMs + 1000);
    await waitUntil(() => pool!.stats().idle === 4, 'the pool back to 4 idle connections', maxDelayMs + 1500);
    expect(statsViolations(pool.stats())).toEqual([]);
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(row!.one).toBe(1);
  }, 20_000);

  it('row 19: a reset mid-query (SELECT SLEEP) fails that caller at once with a fatal error, destroys the connection, and the next caller is fine', async () => {
    pool = createMysqlPool({ ...connectionOptions(proxy), quitTimeoutMs: 200, pool: { max: 2, validateAfterIdleMs: Infinity } });
    const [[idle]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    const slow = pool.query('SELECT SLEEP(3)').then(() => undefined, (error: unknown) => error);
    // it runs on the one idle connection: reset once the server runs it, its reply is then seconds away
    const admin = await adminConnection();
    try {
      await waitForStatement(admin, idle!.id, 'SELECT SLEEP');
    } finally {
      await admin.end();
    }
    const resetAt = performance.now();
    proxy.resetAll();
    const error = await slow;
    const elapsed = performance.now() - resetAt;
    expect(error, 'the query cut by the reset must fail').toBeDefined();
    expect(isFatalMysqlError(error)).toBe(true);
    expect(elapsed).toBeLessThan(1000); // at the reset, not when the reply would have come
    expect(pool.stats().totals.destroyed).toBeGreaterThanOrEqual(1);
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 2 AS two');
    expect(row!.two).toBe(2);
    await waitUntil(() => pool!.stats().creating === 0, 'creates to settle');
    expect(statsViolations(pool.stats())).toEqual([]);
  });
});
