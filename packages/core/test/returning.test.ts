import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool } from '../src/index.js';
import { expectConsistent, fakeProvider } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider whose creates take `createMs` and whose resets take `resetMs()` (or fail when it returns 'fail'). */
function slowResets(createMs: number, resetMs: () => number | 'fail') {
  return fakeProvider({
    create: () => sleep(createMs),
    reset: async () => {
      const ms = resetMs();
      if (ms === 'fail') throw new Error('rollback failed');
      await sleep(ms);
      return true;
    },
  });
}

/** The pool's first resource, through a create of `createMs`. */
async function firstLease<T>(pool: { acquire(): Promise<T> }, createMs = 20): Promise<T> {
  const first = pool.acquire();
  await vi.advanceTimersByTimeAsync(createMs);
  return first;
}

describe('a resource in an asynchronous reset counts as about to come back', () => {
  it('a caller arriving during a short reset waits for that resource instead of opening another (as the driver\'s own pool lends it)', async () => {
    const provider = slowResets(20, () => 3);
    const pool = createPool(provider, { max: 4 });
    const lease = await firstLease(pool);
    lease.release(); // the reset starts: 3 ms
    const next = pool.acquire();
    expect(pool.stats().creating).toBe(0);
    await vi.advanceTimersByTimeAsync(3);
    const again = await next;
    expect(again.resource).toBe(lease.resource);
    expect(provider.made).toHaveLength(1);
    again.release();
    await vi.advanceTimersByTimeAsync(3);
    expectConsistent(pool);
    await pool.close();
  });

  it('a reset that outlasts a create stops counting: the waiter gets a new resource about when a create would have given it one', async () => {
    const provider = slowResets(20, () => 1_000);
    const pool = createPool(provider, { max: 4 });
    const lease = await firstLease(pool);
    lease.release();
    let served: unknown;
    void pool.acquire().then((l) => { served = l; });
    await vi.advanceTimersByTimeAsync(19);
    expect(pool.stats().creating).toBe(0); // the reset still counts
    await vi.advanceTimersByTimeAsync(1); // 20 ms, a create's duration: it stops counting, a create starts
    expect(pool.stats().creating).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(served).toBeDefined();
    expect((served as { resource: unknown }).resource).not.toBe(lease.resource);
    await vi.advanceTimersByTimeAsync(1_000); // the old reset ends: its resource goes idle
    expect(pool.stats()).toMatchObject({ size: 2, idle: 1, borrowed: 1 });
    expectConsistent(pool);
    (served as { release(): void }).release();
    await vi.advanceTimersByTimeAsync(1_000);
    await pool.close();
  });

  it('a failed reset lets the waiter\'s create start at once', async () => {
    let mode: number | 'fail' = 5;
    const provider = slowResets(20, () => mode);
    const pool = createPool(provider, { max: 4, resetTimeoutMs: 50 });
    pool.on('error', () => {});
    const lease = await firstLease(pool);
    mode = 'fail';
    lease.release();
    const next = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats()).toMatchObject({ creating: 1, totals: { destroyed: 1 } });
    await vi.advanceTimersByTimeAsync(20);
    const fresh = await next;
    expect(fresh.resource).not.toBe(lease.resource);
    mode = 5;
    fresh.release();
    await vi.advanceTimersByTimeAsync(5);
    await pool.close();
  });

  it('with two callers and one reset, one waits for the reset and one gets a create', async () => {
    const provider = slowResets(20, () => 3);
    const pool = createPool(provider, { max: 4 });
    const lease = await firstLease(pool);
    lease.release();
    const a = pool.acquire();
    const b = pool.acquire();
    expect(pool.stats().creating).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    const [la, lb] = await Promise.all([a, b]);
    expect(la.resource).toBe(lease.resource);
    expect(lb.resource).not.toBe(lease.resource);
    expect(provider.made).toHaveLength(2);
    la.release();
    lb.release();
    await vi.advanceTimersByTimeAsync(3);
    expectConsistent(pool);
    await pool.close();
  });

  it('a resource out for its keepalive ping counts too: a caller arriving meanwhile gets it after the ping, no create', async () => {
    const provider = fakeProvider({ create: () => sleep(20), validate: async () => { await sleep(3); return true; } });
    const pool = createPool(provider, { max: 4, keepaliveIntervalMs: 1_000, validateAfterIdleMs: Infinity });
    const lease = await firstLease(pool);
    lease.release();
    await vi.advanceTimersByTimeAsync(1_001); // the keeper takes it out for its ping
    expect(pool.stats().idle).toBe(0);
    const next = pool.acquire();
    expect(pool.stats().creating).toBe(0);
    await vi.advanceTimersByTimeAsync(3);
    const again = await next;
    expect(again.resource).toBe(lease.resource);
    expect(provider.made).toHaveLength(1);
    again.release();
    await pool.close();
  });
});
