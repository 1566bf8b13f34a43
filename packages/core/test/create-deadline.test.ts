import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type PoolError, type PoolTimeoutError } from '../src/index.js';
import { expectConsistent, fakeProvider, hangUntilAborted } from './helpers/fake-provider.js';

// Issue 2, "Done when": a create that rejects or hangs never leaves a waiter hanging past its
// deadline (generic-pool's best-known failure). Each kind of broken create is run against five
// waiters with different deadlines; on fake timers each must settle exactly at its own deadline
// with a typed error, and the pool must still recover (or at least close) afterwards.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** Per-acquire deadlines; `undefined` takes the pool's acquireTimeoutMs (4,000 ms). */
const deadlines = [100, 250, 1_000, 2_500, undefined] as const;
const POOL_DEADLINE_MS = 4_000;

type Create = (attempt: number, signal: AbortSignal) => Promise<void> | void;

type Code = 'POOL_CREATE_FAILED' | 'POOL_TIMEOUT';

/** `expected(deadline)`: POOL_CREATE_FAILED (cause kept) once a create failed during the wait, else POOL_TIMEOUT. */
const cases: Array<{ name: string; create: Create; createTimeoutMs: number; expected: (deadline: number) => Code; recovers: boolean }> = [
  { name: 'rejects at once', create: () => { throw refused(); }, createTimeoutMs: 10_000, expected: () => 'POOL_CREATE_FAILED', recovers: true },
  {
    name: 'rejects after 300 ms',
    create: () => new Promise<void>((_, reject) => setTimeout(() => reject(refused()), 300)),
    createTimeoutMs: 10_000,
    expected: (deadline) => (deadline < 300 ? 'POOL_TIMEOUT' : 'POOL_CREATE_FAILED'),
    recovers: true,
  },
  {
    name: 'hangs (honours its signal) with createTimeoutMs far past every deadline',
    create: (_, signal) => hangUntilAborted(signal),
    createTimeoutMs: 10_000,
    expected: () => 'POOL_TIMEOUT',
    recovers: true,
  },
  {
    name: 'hangs forever, ignoring its signal, with createTimeoutMs Infinity',
    create: () => new Promise<void>(() => {}),
    createTimeoutMs: Infinity,
    expected: () => 'POOL_TIMEOUT',
    recovers: false, // both slots stay in a create that never ends: only close() can free them
  },
];

describe('a create that rejects or hangs never leaves a waiter hanging past its deadline', () => {
  it.each(cases)('create $name: every waiter settles at its own deadline with a typed error', async ({ create, createTimeoutMs, expected, recovers }) => {
    let broken = true;
    const provider = fakeProvider({ create: (attempt, signal) => (broken ? create(attempt, signal) : undefined) });
    const pool = createPool(provider, {
      max: 2, maxConcurrentCreates: 2, acquireTimeoutMs: POOL_DEADLINE_MS, createTimeoutMs, failFast: false,
      retry: { minDelayMs: 50, maxDelayMs: 400 },
    });
    const start = performance.now();
    const settled: Array<{ at: number; error: unknown } | undefined> = deadlines.map(() => undefined);
    const waiting = deadlines.map((timeoutMs, i) =>
      pool.acquire(timeoutMs === undefined ? undefined : { timeoutMs }).then(
        (lease) => { settled[i] = { at: performance.now() - start, error: undefined }; lease.release(); },
        (error: unknown) => { settled[i] = { at: performance.now() - start, error }; },
      ));

    // step to each deadline: nobody settles a millisecond early, and each settles on time
    let now = 0;
    for (const [i, timeoutMs] of deadlines.entries()) {
      const deadline = timeoutMs ?? POOL_DEADLINE_MS;
      await vi.advanceTimersByTimeAsync(deadline - 1 - now);
      expect(settled[i], `waiter ${i} settled before its ${deadline} ms deadline`).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      now = deadline;
      expect(settled[i], `waiter ${i} still hanging at its ${deadline} ms deadline`).toBeDefined();
      const { at, error } = settled[i]!;
      expect(at).toBeGreaterThanOrEqual(deadline);
      expect(at).toBeLessThanOrEqual(deadline + 1);
      const expectedCode = expected(deadline);
      expect(isPoolError(error, expectedCode), `waiter ${i}: expected ${expectedCode}, got ${String(error)}`).toBe(true);
      if (expectedCode === 'POOL_CREATE_FAILED') {
        expect((error as PoolError).cause).toMatchObject({ code: 'ECONNREFUSED' });
        expect((error as Error).message).toMatch(/could not get a resource within \d+ ms: creates keep failing/);
      } else {
        expect((error as PoolTimeoutError).phase).toBe('acquire');
        expect((error as Error).message).toMatch(new RegExp(`acquire timed out after ${deadline} ms`));
      }
    }
    await Promise.all(waiting);
    expect(pool.stats()).toMatchObject({ pending: 0, borrowed: 0, totals: { timeouts: deadlines.length, acquired: 0 } });
    expect(pool.stats().creating).toBeLessThanOrEqual(2);
    expect(provider.peakInFlight).toBeLessThanOrEqual(2);

    broken = false;
    if (recovers) {
      // the pool kept retrying (with backoff, or after the create timeout): a new caller is served
      const next = pool.acquire({ timeoutMs: createTimeoutMs + 1_000 });
      await vi.advanceTimersByTimeAsync(createTimeoutMs + 1_000);
      const lease = await next;
      lease.release();
      expectConsistent(pool);
    }
    // close() gives up on creates still in flight (their signals abort) and finishes
    let closed = false;
    const closing = pool.close({ timeoutMs: 100 }).then(() => { closed = true; });
    await vi.advanceTimersByTimeAsync(100);
    await closing;
    expect(closed).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 0, creating: 0, pending: 0 });
    // creates still running at close were told to stop; none is left running in the recovering cases
    if (recovers) expect(provider.inFlight).toBe(0);
    else expect(provider.createSignals.every((signal) => signal.aborted)).toBe(true);
  });

  it('a waiter that queues while the pool is backing off after failed creates still settles at its deadline', async () => {
    let broken = true;
    const provider = fakeProvider({ create: () => { if (broken) throw refused(); } });
    const pool = createPool(provider, { max: 1, failFast: false, retry: { minDelayMs: 1_000, maxDelayMs: 1_000 } });
    let first: unknown;
    void pool.acquire({ timeoutMs: 50 }).catch((error: unknown) => { first = error; });
    await vi.advanceTimersByTimeAsync(50);
    expect(isPoolError(first, 'POOL_CREATE_FAILED'), `still hanging or wrong error: ${String(first)}`).toBe(true);
    // queued during the 500-1,000 ms backoff: no create runs while it waits, its deadline still fires
    let late: unknown;
    void pool.acquire({ timeoutMs: 100 }).catch((error: unknown) => { late = error; });
    await vi.advanceTimersByTimeAsync(99);
    expect(late).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(isPoolError(late), String(late)).toBe(true);
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { timeouts: 2 } });
    broken = false;
    let recovered: { release(): void } | undefined;
    void pool.acquire({ timeoutMs: 2_000 }).then((lease) => { recovered = lease; });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(recovered, 'served once creates succeed again').toBeDefined();
    recovered!.release();
    expectConsistent(pool);
    await pool.close();
  });
});
