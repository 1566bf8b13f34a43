import { isPoolError } from '@pool/core';
import { requireService, startFaultProxy, statsViolations, waitUntil, type FaultProxy } from '@pool/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, isFatalPgError, type PgPool } from '../src/index.js';
import { sleep, upstream, urlAt, waitForRunning } from './helpers.js';

const svc = await requireService('pg');

describe.skipIf(!svc.available)('@pool/pg through the fault proxy (reliability rows 17, 19)', () => {
  let proxy: FaultProxy;
  let pool: PgPool | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(upstream());
  });
  afterAll(async () => {
    await proxy.close();
  });
  afterEach(async () => {
    await proxy.heal();
    await pool?.end();
    pool = undefined;
  });

  it('row 17: server down for 2 s under traffic: callers get errors by their deadline, then the pool is back to min within one backoff', async () => {
    const acquireTimeoutMs = 800;
    const p = (pool = createPgPool({
      connectionString: urlAt(proxy),
      application_name: 'pool-pg-row17',
      max: 4,
      min: 2,
      pool: { acquireTimeoutMs, createTimeoutMs: 500, validateAfterIdleMs: 0, validateTimeoutMs: 300, retry: { minDelayMs: 20, maxDelayMs: 200 }, failFast: { afterFailures: 3 } },
    }));
    await p.core.ready();
    const outcomes: { ok: boolean; ms: number; error?: unknown; at: number }[] = [];
    let running = true;
    const t0 = performance.now();
    const caller = async () => {
      while (running) {
        const started = performance.now();
        try {
          await p.query('SELECT 1');
          outcomes.push({ ok: true, ms: performance.now() - started, at: started - t0 });
        } catch (error) {
          outcomes.push({ ok: false, ms: performance.now() - started, error, at: started - t0 });
        }
        await sleep(5);
      }
    };
    // when the pool first has min (2) clients open again, none being created, after the server returned
    let upAt = Infinity;
    let backAt = Infinity;
    const sampler = setInterval(() => {
      const stats = p.stats();
      if (performance.now() - t0 <= upAt || stats.creating !== 0) return;
      if (backAt === Infinity && stats.size >= 2) backAt = performance.now() - t0;
    }, 5);
    const callers = Array.from({ length: 6 }, caller);
    await sleep(300);
    await proxy.refuse(true);
    proxy.closeAll();
    const downAt = performance.now() - t0;
    await sleep(2000);
    await proxy.refuse(false);
    upAt = performance.now() - t0;
    try {
      await waitUntil(() => outcomes.some((o) => o.ok && o.at > upAt), 'a successful query after the server came back', 3000);
      await waitUntil(() => backAt !== Infinity, 'the pool back to min', 3000);
    } finally {
      // a failed wait still stops the callers, so they do not loop on past this test
      clearInterval(sampler);
      running = false;
      await Promise.all(callers);
    }
    const firstOk = outcomes.find((o) => o.ok && o.at > upAt)!;

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      // every failure is typed: a pool error (timeout, create failed, unavailable) or the connection-level error of a query cut mid-flight
      expect(isPoolError(failure.error) || isFatalPgError(failure.error), String(failure.error)).toBe(true);
      expect(failure.ms).toBeLessThanOrEqual(acquireTimeoutMs + 300);
    }
    expect(outcomes.filter((o) => o.ok && o.at > downAt + 50 && o.at < upAt - 50)).toEqual([]);
    // back within one backoff (200 ms max delay) plus a connect, measured from the server's return
    expect(firstOk.at + firstOk.ms - upAt).toBeLessThan(1500);
    expect(backAt - upAt, 'min (2) clients open again after the server returned').toBeLessThanOrEqual(200 + 1000);
    await waitUntil(() => p.stats().size >= 2 && p.stats().creating === 0, 'the pool back to min', 3000);
    expect(statsViolations(p.stats())).toEqual([]);
  }, 20_000);

  it('row 19: a connection reset mid-query fails that caller with a connection-level error, destroys the client, and the next caller is fine', async () => {
    const applicationName = `pool-pg-row19-${process.pid}`;
    const p = (pool = createPgPool({ connectionString: urlAt(proxy), application_name: applicationName, max: 2 }));
    const destroyed: string[] = [];
    p.core.on('destroy', (event) => destroyed.push(event.reason));
    await p.query('SELECT 1');
    // a reply 5 s away: the reset lands before it even on a slow machine
    const slow = p.query('SELECT pg_sleep(5)');
    const caught = slow.catch((error: unknown) => error);
    await waitForRunning(applicationName, 'SELECT pg_sleep');
    proxy.resetAll();
    const error = await caught;
    expect(error).toBeInstanceOf(Error);
    expect(isFatalPgError(error), String(error)).toBe(true);
    await waitUntil(() => destroyed.length === 1, 'the reset client to be destroyed');
    expect(destroyed).toEqual(['released-destroyed']);
    expect((await p.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    expect(statsViolations(p.stats())).toEqual([]);
  });

  it('row 19 with connect(): a client whose socket was reset is destroyed on a plain release()', async () => {
    const applicationName = `pool-pg-row19b-${process.pid}`;
    const p = (pool = createPgPool({ connectionString: urlAt(proxy), application_name: applicationName, max: 1 }));
    const destroyed: string[] = [];
    p.core.on('destroy', (event) => destroyed.push(event.reason));
    const client = await p.connect();
    const running = client.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
    await waitForRunning(applicationName, 'SELECT pg_sleep');
    proxy.resetAll();
    expect(isFatalPgError(await running)).toBe(true);
    client.release();
    expect(destroyed).toEqual(['broken']);
    const next = await p.connect();
    expect(next).not.toBe(client);
    expect((await next.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    next.release();
  });
});
