import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { createPool, isPoolError, type PoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush, hangUntilAborted } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('create failures', () => {
  it('row 1: while creates reject, each waiter rejects with POOL_CREATE_FAILED (cause kept) by its deadline; the pool retries with backoff and recovers', async () => {
    let failing = true;
    const provider = fakeProvider({ create: () => { if (failing) throw refused(); } });
    // probeDelayMs 100 (default 25): waiters make the pool probe every 100 ms, one attempt at a time
    const pool = createPool(provider, { max: 2, acquireTimeoutMs: 2_000, failFast: false, retry: { minDelayMs: 100, maxDelayMs: 400, probeDelayMs: 100 } });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    const start = performance.now();
    const settledAt: number[] = [];
    const waiters = Array.from({ length: 5 }, () => pool.acquire().catch((error: unknown) => { settledAt.push(performance.now() - start); return error; }));
    await vi.advanceTimersByTimeAsync(2_001);
    // no hang: all five settled by their deadline, before anything awaits them
    expect(settledAt).toHaveLength(5);
    expect(pool.stats()).toMatchObject({ pending: 0, borrowed: 0, totals: { timeouts: 5, acquired: 0 } });
    const results = await Promise.all(waiters);
    for (const result of results) {
      expect(isPoolError(result, 'POOL_CREATE_FAILED')).toBe(true);
      expect((result as PoolError).cause).toMatchObject({ code: 'ECONNREFUSED' });
      expect((result as Error).message).toMatch(/could not get a resource within 2000 ms: creates keep failing \(\d+ in a row\), the last with: connect ECONNREFUSED/);
    }
    expect(Math.max(...settledAt)).toBeLessThanOrEqual(2_025);
    // a first round of maxConcurrentCreates (2) attempts, then one probe at a time, 50-100 ms apart: not a tight loop
    expect(provider.peakInFlight).toBeLessThanOrEqual(2);
    const attempts = pool.stats().totals.createErrors;
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(2 * 12);
    expect(errors.length).toBe(attempts);
    expect(errors.every((error) => isPoolError(error, 'POOL_CREATE_FAILED'))).toBe(true);
    failing = false;
    const recovered = pool.acquire();
    await vi.advanceTimersByTimeAsync(500);
    const lease = await recovered;
    expect(lease.resource.id).toBe(1);
    lease.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('a caller that arrives while the pool backs off from a failed create times out with that create error as cause', async () => {
    const provider = fakeProvider({ create: () => { throw refused(); } });
    // probeDelayMs 1 s: even a waiting caller's next probe is 1 s away
    const pool = createPool(provider, { max: 1, failFast: false, retry: { minDelayMs: 1_000, maxDelayMs: 1_000, probeDelayMs: 1_000 } });
    const first = pool.acquire({ timeoutMs: 50 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(51);
    expect(isPoolError(await first, 'POOL_CREATE_FAILED')).toBe(true);
    // no create runs during this caller's wait: the pool is in its 1 s backoff
    const second = pool.acquire({ timeoutMs: 50 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(51);
    const error = (await second) as PoolError;
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { timeouts: 2, createErrors: 1 } });
    await pool.close();
  });

  it('a caller that times out because every resource is borrowed gets POOL_TIMEOUT, whatever failed before', async () => {
    const provider = fakeProvider({ create: (attempt) => { if (attempt === 2) throw refused(); } });
    const pool = createPool(provider, { max: 1, failFast: false, retry: { minDelayMs: 10, maxDelayMs: 10 } });
    const held = await pool.acquire();
    held.destroy(new Error('gone'));
    const replaced = pool.acquire({ timeoutMs: 5_000 }); // create #2 fails, #3 after the backoff succeeds
    await vi.advanceTimersByTimeAsync(20);
    const lease = await replaced;
    expect(pool.stats().totals).toMatchObject({ createErrors: 1, created: 2 });
    const waiting = pool.acquire({ timeoutMs: 50 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(51);
    const error = (await waiting) as PoolError;
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect(error.cause).toBeUndefined();
    expect(error.message).toMatch(/acquire timed out after 50 ms \(1\/1 borrowed, 0 waiting\)/);
    lease.release();
    await pool.close();
  });

  it('an acquire timeout during failing creates that also saw a success keeps the last create error as cause', async () => {
    // every create after the first fails (a single failure would now be retried within the deadline)
    const provider = fakeProvider({ create: (attempt) => { if (attempt >= 2) throw refused(); } });
    const pool = createPool(provider, { max: 2, acquireTimeoutMs: 1_000, failFast: false, retry: { minDelayMs: 5_000, maxDelayMs: 5_000 } });
    const first = await pool.acquire();
    const second = pool.acquire().catch((error: unknown) => error);
    // the second create fails; the backoff outlasts the deadline
    await vi.advanceTimersByTimeAsync(1_001);
    const error = (await second) as PoolError;
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    first.release();
    const third = pool.acquire();
    await flush();
    (await third).release();
    await pool.close();
  });

  it('retry delays grow exponentially with jitter and stay within maxDelayMs', async () => {
    const attemptsAt: number[] = [];
    const provider = fakeProvider({ create: () => { attemptsAt.push(performance.now()); throw refused(); } });
    const pool = createPool(provider, { min: 1, max: 1, failFast: false, retry: { minDelayMs: 100, maxDelayMs: 1_000 } });
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = attemptsAt.slice(1).map((at, i) => at - attemptsAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(50);
    expect(gaps[0]).toBeLessThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(100);
    expect(gaps[2]).toBeGreaterThanOrEqual(200);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(1_000);
    await pool.close();
  });

  it('retry backoff is exponential from minDelayMs, capped at maxDelayMs, with equal jitter (half fixed, half random)', async () => {
    expect([0, 0.5, 1].map((r) => backoffDelay(1, 100, 10_000, () => r))).toEqual([50, 75, 100]);
    expect([1, 2, 3, 4].map((failures) => backoffDelay(failures, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(8, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(1_000, 100, 10_000, () => 0)).toBe(5_000);
    // the pool draws the jitter from Math.random: the lowest and the highest draw (0 and 1) give the bounds of the real gaps
    for (const [draw, expected] of [[0, [50, 100, 200, 400, 500]], [1, [100, 200, 400, 800, 1_000]]] as const) {
      const random = vi.spyOn(Math, 'random').mockReturnValue(draw);
      const attemptsAt: number[] = [];
      const pool = createPool(fakeProvider({ create: () => { attemptsAt.push(performance.now()); throw refused(); } }), {
        min: 1, max: 1, failFast: false, retry: { minDelayMs: 100, maxDelayMs: 1_000 },
      });
      await vi.advanceTimersByTimeAsync(3_000);
      const gaps = attemptsAt.slice(1, 6).map((at, i) => Math.round(at - attemptsAt[i]!));
      expect(gaps).toEqual(expected);
      await pool.close();
      random.mockRestore();
    }
  });

  it('row 31: the breaker opens once the outage has outlasted the callers\' deadline: then an acquire whose deadline it outlasted rejects at once with POOL_UNAVAILABLE; one probe at a time; closes when the backend returns', async () => {
    // changed on purpose (issue 14): waiters are no longer failed when the breaker opens; they wait their deadline
    let down = true;
    const provider = fakeProvider({ create: () => { if (down) throw refused(); } });
    const pool = createPool(provider, { max: 4, maxConcurrentCreates: 4, acquireTimeoutMs: 1_000, failFast: { afterFailures: 3 }, retry: { minDelayMs: 100, maxDelayMs: 1_000 } });
    const availability: boolean[] = [];
    pool.on('availability', (event) => availability.push(event.unavailable));
    const waiting = Array.from({ length: 3 }, () => pool.acquire().catch((error: unknown) => error));
    await vi.advanceTimersByTimeAsync(1_001);
    for (const error of await Promise.all(waiting)) {
      expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
      expect((error as PoolError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
    // new acquires fail fast: the outage has lasted longer than they may wait
    const fast = await pool.acquire().catch((error: unknown) => error);
    expect(isPoolError(fast, 'POOL_UNAVAILABLE')).toBe(true);
    expect((fast as PoolError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(pool.stats().unavailable).toBe(true);
    // a caller who may wait longer than the outage has lasted waits
    const patient = pool.acquire({ timeoutMs: 60_000 });
    // while open: probes one at a time
    provider.peakInFlight = 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(provider.peakInFlight).toBe(1);
    expect(pool.stats()).toMatchObject({ pending: 1, unavailable: true });
    down = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(pool.stats().unavailable).toBe(false);
    expect(availability).toEqual([true, false]);
    (await patient).release();
    const lease = await pool.acquire();
    lease.release();
    await pool.close();
  });

  it('row 32: 1,000 waiters after an outage never drive more than maxConcurrentCreates creates in flight', async () => {
    const provider = fakeProvider({ create: () => new Promise<void>((resolve) => setTimeout(resolve, 50)) });
    const pool = createPool(provider, { max: 50, maxConcurrentCreates: 2, acquireTimeoutMs: 60_000 });
    const leases = Array.from({ length: 1_000 }, () => pool.acquire().then((lease) => { setTimeout(() => lease.release(), 10); }));
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(leases);
    expect(provider.peakInFlight).toBeLessThanOrEqual(2);
    expect(pool.stats().totals.acquired).toBe(1_000);
    expectConsistent(pool);
    await pool.close();
  });

  it('grow creates a chunk per shortage: a number, or double the pool', async () => {
    const fixed = createPool(fakeProvider(), { max: 10, grow: 4, maxConcurrentCreates: 10 });
    (await fixed.acquire()).release();
    await flush();
    expect(fixed.stats().size).toBe(4);
    await fixed.close();

    const doubling = createPool(fakeProvider(), { max: 10, grow: 'double', maxConcurrentCreates: 10 });
    const first = await doubling.acquire(); // 1
    const second = await doubling.acquire(); // shortage at size 1: grows to 2
    await flush();
    expect(doubling.stats().size).toBe(2);
    const third = await doubling.acquire(); // shortage at size 2: grows to 4
    await flush();
    expect(doubling.stats().size).toBe(4);
    for (const lease of [first, second, third]) lease.release();
    await doubling.close();
  });

  it('ready() resolves once min resources exist, and rejects with the create error', async () => {
    const ok = createPool(fakeProvider({ create: () => new Promise<void>((resolve) => setTimeout(resolve, 10)) }), { min: 3, max: 5, maxConcurrentCreates: 3 });
    const ready = ok.ready();
    await vi.advanceTimersByTimeAsync(10);
    await expect(ready).resolves.toBeUndefined();
    expect(ok.stats()).toMatchObject({ size: 3, idle: 3 });
    await ok.close();

    const failing = createPool(fakeProvider({ create: () => { throw refused(); } }), { min: 2, max: 2 });
    const error = await failing.ready().catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect((error as PoolError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    await failing.close();
    await expect(failing.ready()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });

  it('min is kept warm: created at start and replaced after a loss', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { min: 2, max: 4 });
    await pool.ready();
    const lease = await pool.acquire();
    lease.destroy(new Error('gone'));
    await flush();
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    expect(provider.made).toHaveLength(3);
    await pool.close();
  });

  it('close aborts creates in flight and a late result is destroyed', async () => {
    const provider = fakeProvider({ create: (_, signal) => hangUntilAborted(signal) });
    const pool = createPool(provider, { min: 1, max: 1 });
    const waiting = pool.acquire().catch((error: unknown) => error);
    await pool.close();
    expect(provider.createSignals[0]!.aborted).toBe(true);
    expect(isPoolError(await waiting, 'POOL_CLOSED')).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 0, creating: 0 });
  });

  it('a create that ignores the abort and resolves after close() is destroyed, never lent or leaked', async () => {
    let finish: (() => void) | undefined;
    const provider = fakeProvider({ create: () => new Promise<void>((resolve) => { finish = resolve; }) });
    const pool = createPool(provider, { max: 1 });
    const waiting = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    await pool.close();
    expect(isPoolError(await waiting, 'POOL_CLOSED')).toBe(true);
    finish?.();
    await flush();
    expect(provider.made).toHaveLength(1);
    expect(provider.destroyed).toEqual(provider.made);
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0, borrowed: 0, creating: 0, totals: { acquired: 0 } });
  });
});
