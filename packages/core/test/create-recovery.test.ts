import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type PoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

// Issue 14 item 1: the create path recovers as fast as the server does, and tells transient create
// errors (retried, paced) from permanent ones (the callers are told at once).

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const badPassword = () => Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' });

describe('recovery after an outage', () => {
  it('a short outage fails no caller who could wait: probes follow the server, at most maxConcurrentCreates in flight', async () => {
    let down = true;
    const successesAt: number[] = [];
    const provider = fakeProvider({ create: () => { if (down) throw refused(); successesAt.push(performance.now()); } });
    const pool = createPool(provider, { max: 10, maxConcurrentCreates: 2 }); // defaults: 30 s deadline, breaker after 5 rounds
    const availability: boolean[] = [];
    pool.on('availability', (event) => availability.push(event.unavailable));
    const callers = Array.from({ length: 50 }, () => pool.acquire().then((lease) => { setTimeout(() => lease.release(), 5); return lease; }));
    await vi.advanceTimersByTimeAsync(1_500);
    const failedAttempts = pool.stats().totals.createErrors;
    // one probe per ~25 ms while callers wait, never a storm
    expect(failedAttempts).toBeGreaterThanOrEqual(20);
    expect(failedAttempts).toBeLessThanOrEqual(1_500 / 25 + 2);
    expect(provider.peakInFlight).toBeLessThanOrEqual(2);
    const backAt = performance.now();
    down = false;
    await vi.advanceTimersByTimeAsync(1_000);
    const leases = await Promise.all(callers);
    expect(leases).toHaveLength(50);
    // the first success comes within the probe floor of the server's return, not after a grown backoff
    expect(successesAt[0]! - backAt).toBeLessThanOrEqual(26);
    expect(pool.stats()).toMatchObject({ unavailable: false, totals: { timeouts: 0, rejected: 0, acquired: 50 } });
    expect(provider.peakInFlight).toBeLessThanOrEqual(2);
    expect(availability).toEqual([]);
    expectConsistent(pool);
    await pool.close();
  });

  it('the background refill of min keeps the paced backoff, and counts rounds, not parallel attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const attemptsAt: number[] = [];
    const pool = createPool(fakeProvider({ create: () => { attemptsAt.push(performance.now()); throw refused(); } }), {
      min: 2, max: 2, maxConcurrentCreates: 2, failFast: false, retry: { minDelayMs: 100, maxDelayMs: 10_000 },
    });
    await vi.advanceTimersByTimeAsync(1_600);
    // round 1: two attempts together; then one probe per round: 100, 200, 400, 800 ms apart
    expect(attemptsAt.slice(0, 2)).toEqual([0, 0].map((d) => attemptsAt[0]! + d));
    const gaps = attemptsAt.slice(2).map((at, i) => Math.round(at - attemptsAt[i + 1]!));
    expect(gaps).toEqual([100, 200, 400, 800]);
    await pool.close();
  });

  it("a caller's demand cuts the background backoff short: the next probe starts after the floor", async () => {
    let down = true;
    const provider = fakeProvider({ create: () => { if (down) throw refused(); } });
    const pool = createPool(provider, { min: 1, max: 1, failFast: false, retry: { minDelayMs: 5_000, maxDelayMs: 5_000, probeDelayMs: 30 } });
    await vi.advanceTimersByTimeAsync(100); // the refill failed; the next background attempt is 2.5-5 s away
    expect(pool.stats().totals.createErrors).toBe(1);
    down = false;
    const start = performance.now();
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    const lease = await pending;
    expect(performance.now() - start).toBeLessThan(1); // the last failure was more than the floor ago: at once
    lease.release();
    await pool.close();
  });

  it('the breaker never fails fast before the outage outlasted the deadline, and a rejected caller\'s asking starts the probe', async () => {
    let down = true;
    const provider = fakeProvider({ create: () => { if (down) throw refused(); } });
    const pool = createPool(provider, { max: 1, acquireTimeoutMs: 200, failFast: { afterFailures: 2 }, retry: { minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const early = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    // several rounds failed, but the outage (100 ms) is shorter than the deadline: a new caller waits
    const waiting = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(101);
    expect(await early).toMatchObject({ code: 'POOL_CREATE_FAILED' });
    await vi.advanceTimersByTimeAsync(100);
    expect(await waiting).toMatchObject({ code: 'POOL_CREATE_FAILED' });
    const attempts = pool.stats().totals.createErrors;
    // no one waits now: no probe runs (the paced background attempt is 5-10 s away)
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pool.stats().totals.createErrors).toBe(attempts);
    down = false;
    // the outage outlasted 200 ms: refused at once, and its asking starts a probe, which closes the breaker
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_UNAVAILABLE' });
    await flush();
    expect(pool.stats()).toMatchObject({ unavailable: false, idle: 1 });
    (await pool.acquire()).release();
    await pool.close();
  });
});

describe('transient and permanent create errors', () => {
  it('a permanent error rejects every waiting caller at once with POOL_CREATE_FAILED, the driver error untouched as cause', async () => {
    const error = badPassword();
    const provider = fakeProvider({ create: () => { throw error; } });
    const pool = createPool(Object.assign(provider, { classifyCreateError: (e: unknown) => ((e as { code?: string }).code === '28P01' ? 'permanent' as const : 'transient' as const) }), {
      max: 4, retry: { minDelayMs: 100, maxDelayMs: 10_000 },
    });
    const callers = Array.from({ length: 3 }, () => pool.acquire().catch((e: unknown) => e));
    await flush();
    for (const result of await Promise.all(callers)) {
      expect(isPoolError(result, 'POOL_CREATE_FAILED')).toBe(true);
      expect((result as PoolError).cause).toBe(error);
      expect((result as PoolError).permanent).toBe(true);
      expect((result as PoolError).message).toMatch(/retrying will not fix: password authentication failed/);
    }
    const attempts = pool.stats().totals.createErrors;
    // within the window: refused at once with the same, no new attempt
    const again = await pool.acquire().catch((e: unknown) => e) as PoolError;
    expect(again).toMatchObject({ code: 'POOL_CREATE_FAILED', permanent: true });
    expect(again.cause).toBe(error);
    expect(pool.stats().totals.createErrors).toBe(attempts);
    // no retry loop in the background
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pool.stats().totals.createErrors).toBe(attempts);
    // after the window a caller's demand makes one new attempt
    const later = await pool.acquire().catch((e: unknown) => e);
    expect(later).toMatchObject({ code: 'POOL_CREATE_FAILED', permanent: true });
    expect(pool.stats().totals.createErrors).toBe(attempts + 1);
    expect(pool.stats()).toMatchObject({ pending: 0, size: 0 });
    await pool.close();
  });

  it('transient errors are retried within the deadline; a classifier that throws counts as transient', async () => {
    let attempts = 0;
    const provider = fakeProvider({ create: () => { if (++attempts <= 3) throw refused(); } });
    const pool = createPool(Object.assign(provider, { classifyCreateError: () => { throw new Error('classifier bug'); } }), { max: 1 });
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(200);
    (await pending).release();
    expect(pool.stats().totals).toMatchObject({ createErrors: 3, created: 1 });
    await pool.close();
  });

  it('failFast.untilConnected: before any create succeeded, a transient error rejects the waiting callers at once; after one did, callers wait', async () => {
    let down = true;
    const errors: Error[] = [];
    const provider = fakeProvider({ create: () => { if (down) { const e = refused(); errors.push(e); throw e; } } });
    const pool = createPool(provider, { max: 2, failFast: { untilConnected: true } });
    const callers = [pool.acquire().catch((e: unknown) => e), pool.acquire().catch((e: unknown) => e)];
    await flush();
    for (const result of await Promise.all(callers)) {
      expect(result).toMatchObject({ code: 'POOL_CREATE_FAILED', permanent: false });
      expect(errors).toContain((result as PoolError).cause);
    }
    // the next caller gets an attempt of its own (after the probe floor), not a cached refusal
    const before = pool.stats().totals.createErrors;
    const next = pool.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(25);
    expect(await next).toMatchObject({ code: 'POOL_CREATE_FAILED' });
    expect(pool.stats().totals.createErrors).toBe(before + 1);
    down = false;
    await vi.advanceTimersByTimeAsync(25);
    const lease = await pool.acquire();
    down = true;
    // connected once: a transient failure now leaves the caller waiting for a retry
    const waiting = pool.acquire();
    await vi.advanceTimersByTimeAsync(100);
    expect(pool.stats().pending).toBe(1);
    down = false;
    await vi.advanceTimersByTimeAsync(30);
    (await waiting).release();
    lease.release();
    await pool.close();
  });

  it('failFast.untilConnected: a failed first create rejects only the callers no create still in flight can serve (the one whose create gets in is served, as with pg.Pool)', async () => {
    // a full server (53300, too many clients): the first connect is refused, the second gets the one free slot
    const provider = fakeProvider({ create: async (attempt) => {
      await new Promise((resolve) => setTimeout(resolve, attempt === 1 ? 5 : 20));
      if (attempt === 1) throw Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    } });
    const pool = createPool(provider, { max: 4, failFast: { untilConnected: true } });
    const callers = Array.from({ length: 3 }, () => pool.acquire().then((lease) => lease, (e: unknown) => e as PoolError));
    await vi.advanceTimersByTimeAsync(5);
    // 3 waiting, 1 create still in flight: 2 fail at once with the server's error, 1 waits for that create
    expect(pool.stats()).toMatchObject({ pending: 1, creating: 1 });
    await vi.advanceTimersByTimeAsync(20);
    const outcomes = await Promise.all(callers);
    expect(outcomes.filter((o) => isPoolError(o, 'POOL_CREATE_FAILED'))).toHaveLength(2);
    expect(outcomes.filter((o) => isPoolError(o, 'POOL_CREATE_FAILED')).map((o) => (o as PoolError).cause)).toEqual([expect.objectContaining({ code: '53300' }), expect.objectContaining({ code: '53300' })]);
    const served = outcomes.find((o) => !isPoolError(o)) as { resource: { id: number }; release(): void };
    expect(served.resource.id).toBe(1);
    served.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('failFast options are checked', () => {
    expect(() => createPool(fakeProvider(), { failFast: { untilConnected: 'yes' as never } })).toThrow(/failFast.untilConnected/);
    expect(() => createPool(fakeProvider(), { retry: { probeDelayMs: -1 } })).toThrow(/retry.probeDelayMs/);
    expect(createPool(fakeProvider(), { failFast: {} }).options).toMatchObject({ failFastAfter: 5, failFastUntilConnected: false, retryProbeDelayMs: 25 });
  });
});

describe("a full server: create errors classified 'busy'", () => {
  const tooMany = () => Object.assign(new Error('Too many connections'), { errno: 1040 });

  it('are retried at the paced backoff (capped at 1 s), not every probeDelayMs, while a caller waits; the caller is served once a slot frees', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    let full = true;
    const attemptsAt: number[] = [];
    const provider = fakeProvider({ create: () => { attemptsAt.push(performance.now()); if (full) throw tooMany(); } });
    const pool = createPool({ ...provider, classifyCreateError: (error) => ((error as { errno?: number }).errno === 1040 ? 'busy' : 'transient') }, { max: 2 });
    const waiting = pool.acquire();
    await vi.advanceTimersByTimeAsync(5_000);
    // 100, 200, 400, 800, then 1,000 ms apart: 8 attempts in 5 s (a 'transient' error: one per 25 ms, ~200)
    const gaps = attemptsAt.slice(1).map((at, i) => Math.round(at - attemptsAt[i]!));
    expect(gaps).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    full = false;
    await vi.advanceTimersByTimeAsync(1_000);
    const lease = await waiting;
    lease.release();
    expect(pool.stats().totals).toMatchObject({ timeouts: 0, rejected: 0 });
    expectConsistent(pool);
    await pool.close();
  });

  it('never open the breaker: after an outage past acquireTimeoutMs a new caller still waits, and is served by a released resource', async () => {
    let full = false;
    const provider = fakeProvider({ create: () => { if (full) throw tooMany(); } });
    const pool = createPool({ ...provider, classifyCreateError: () => 'busy' }, { max: 2, acquireTimeoutMs: 1_000, failFast: { afterFailures: 2 } });
    const held = await pool.acquire();
    full = true;
    const refusedAtOnce: unknown[] = [];
    // 5 s of a full server, callers arriving and timing out all along
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const outcome = pool.acquire().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(1_000);
      const error = await outcome;
      if (performance.now() - started < 10) refusedAtOnce.push(error);
      expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    }
    expect(refusedAtOnce).toEqual([]);
    expect(pool.stats().unavailable).toBe(false);
    const waiting = pool.acquire();
    held.release();
    const lease = await waiting;
    expect(lease.resource).toBe(held.resource);
    lease.release();
    await pool.close();
  });

  it('a caller whose deadline passes first gets POOL_CREATE_FAILED with the server\'s error as cause', async () => {
    const provider = fakeProvider({ create: () => { throw tooMany(); } });
    const pool = createPool({ ...provider, classifyCreateError: () => 'busy' }, { max: 1, acquireTimeoutMs: 500 });
    const error = await Promise.all([pool.acquire().catch((caught: unknown) => caught), vi.advanceTimersByTimeAsync(600)]).then(([caught]) => caught as PoolError);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect((error.cause as Error).message).toBe('Too many connections');
    expect(pool.stats().totals.createErrors).toBeLessThanOrEqual(4);
    await pool.close();
  });
});
