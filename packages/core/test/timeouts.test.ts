import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type PoolTimeoutError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush, hangUntilAborted } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('timeouts', () => {
  it('row 7: an acquire against a pool held forever times out at its deadline with the pool state in the message', async () => {
    const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: 5_000, name: 'db' });
    const held = await pool.acquire();
    const started = performance.now();
    let settledAt = -1;
    const waiting = pool.acquire().catch((error: unknown) => {
      settledAt = performance.now() - started;
      return error;
    });
    await vi.advanceTimersByTimeAsync(4_998);
    expect(settledAt).toBe(-1);
    await vi.advanceTimersByTimeAsync(10);
    const error = (await waiting) as PoolTimeoutError;
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect(error.phase).toBe('acquire');
    expect(settledAt).toBeGreaterThanOrEqual(4_999);
    expect(settledAt).toBeLessThanOrEqual(5_025);
    expect(error.message).toBe('[db] acquire timed out after 5000 ms (1/1 borrowed, 0 waiting)');
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { timeouts: 1 } });
    held.release();
    await pool.close();
  });

  it('a per-acquire timeoutMs overrides the pool default, and waiters with different deadlines each settle on time', async () => {
    const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: 10_000 });
    const held = await pool.acquire();
    const settled: Array<[string, number]> = [];
    const start = performance.now();
    const track = (name: string, timeoutMs?: number) =>
      pool.acquire(timeoutMs === undefined ? undefined : { timeoutMs }).catch(() => settled.push([name, performance.now() - start]));
    const all = [track('default'), track('3s', 3_000), track('1s', 1_000), track('7s', 7_000)];
    await vi.advanceTimersByTimeAsync(10_050);
    await Promise.all(all);
    expect(settled.map(([name]) => name)).toEqual(['1s', '3s', '7s', 'default']);
    for (const [name, at] of settled) {
      const expected = name === 'default' ? 10_000 : Number.parseInt(name, 10) * 1_000;
      expect(at).toBeGreaterThanOrEqual(expected - 1);
      expect(at).toBeLessThanOrEqual(expected + 25);
    }
    held.release();
    await pool.close();
  });

  it('row 2: a hung create is aborted at createTimeoutMs (signal fired), its slot freed, and the next create serves the caller', async () => {
    const provider = fakeProvider({ create: (attempt, signal) => (attempt === 1 ? hangUntilAborted(signal) : undefined) });
    const pool = createPool(provider, { max: 1, createTimeoutMs: 1_000, acquireTimeoutMs: 5_000, retry: { minDelayMs: 100, maxDelayMs: 100 } });
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(999);
    expect(provider.createSignals[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(provider.createSignals[0]!.aborted).toBe(true);
    expect((provider.createSignals[0]!.reason as PoolTimeoutError).phase).toBe('create');
    expect(pool.stats()).toMatchObject({ creating: 0, totals: { createErrors: 1 } });
    await vi.advanceTimersByTimeAsync(100); // backoff, then a second attempt that succeeds
    const lease = await pending;
    expect(lease.resource.id).toBe(1);
    lease.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('a create that ignores its signal and resolves late is destroyed, never lent', async () => {
    let resolveLate: (() => void) | undefined;
    const provider = fakeProvider({ create: (attempt) => (attempt === 1 ? new Promise<void>((resolve) => { resolveLate = resolve; }) : undefined) });
    const pool = createPool(provider, { max: 1, createTimeoutMs: 500, retry: { minDelayMs: 10, maxDelayMs: 10 } });
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(520);
    const lease = await pending;
    resolveLate?.();
    await flush();
    expect(provider.made).toHaveLength(2);
    expect(provider.destroyed.map((fake) => fake.id)).toEqual([provider.made.find((fake) => fake !== lease.resource)!.id]);
    expect(pool.stats()).toMatchObject({ size: 1, totals: { created: 1 } });
    lease.release();
    await pool.close();
  });

  it('one deadline covers queue wait and create: a slow create does not stretch the acquire timeout', async () => {
    const provider = fakeProvider({ create: () => new Promise<void>((resolve) => setTimeout(resolve, 3_000)) });
    const pool = createPool(provider, { max: 1, acquireTimeoutMs: 1_000, createTimeoutMs: 10_000 });
    const result = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(isPoolError(await result, 'POOL_TIMEOUT')).toBe(true);
    // the connect under way finishes and the resource goes idle for the next caller (pgx), not leaked
    await vi.advanceTimersByTimeAsync(2_000);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, creating: 0 });
    const lease = await pool.acquire();
    expect(lease.resource.id).toBe(1);
    lease.release();
    await pool.close();
  });

  it('an acquire with acquireTimeoutMs Infinity arms no timer and waits until served', async () => {
    const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: Infinity });
    const held = await pool.acquire();
    const timersBefore = vi.getTimerCount();
    const waiting = pool.acquire();
    expect(vi.getTimerCount()).toBe(timersBefore);
    await vi.advanceTimersByTimeAsync(3_600_000);
    held.release();
    (await waiting).release();
    await pool.close();
  });

  it('10,000 waiters share one deadline timer', async () => {
    const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: 1_000 });
    const held = await pool.acquire();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const waiting = Array.from({ length: 10_000 }, () => pool.acquire().catch((error: unknown) => error));
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_001);
    const errors = await Promise.all(waiting);
    expect(errors.every((error) => isPoolError(error, 'POOL_TIMEOUT'))).toBe(true);
    // all settled in one firing, and no timer is left to keep the process alive
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    setTimeoutSpy.mockRestore();
    held.release();
    await pool.close();
  });
});
