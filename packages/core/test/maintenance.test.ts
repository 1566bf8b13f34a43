import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, type DestroyReason, type Pool, type PoolError } from '../src/index.js';
import { expectConsistent, fakeProvider } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function reasons<R>(pool: Pool<R>): DestroyReason[] {
  const list: DestroyReason[] = [];
  pool.on('destroy', ({ reason }) => list.push(reason));
  return list;
}

describe('background maintenance', () => {
  it('row 12: idle resources above min are destroyed after idleTimeoutMs, never below min', async () => {
    const pool = createPool(fakeProvider(), { min: 2, max: 5, idleTimeoutMs: 10_000, maxConcurrentCreates: 5 });
    const destroyed = reasons(pool);
    const leases = await Promise.all(Array.from({ length: 5 }, () => pool.acquire()));
    for (const lease of leases) lease.release();
    expect(pool.stats().idle).toBe(5);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(pool.stats().idle).toBe(5);
    await vi.advanceTimersByTimeAsync(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    expect(destroyed).toEqual(['idle', 'idle', 'idle']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pool.stats().size).toBe(2);
    expectConsistent(pool);
    await pool.close();
  });

  it('the cleaner is one unref\'d timer aimed at the next expiry, not an interval', async () => {
    const pool = createPool(fakeProvider(), { max: 20, idleTimeoutMs: 10_000, maxConcurrentCreates: 20 });
    const leases = await Promise.all(Array.from({ length: 20 }, () => pool.acquire()));
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    for (const lease of leases) lease.release();
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    expect(setTimeoutSpy.mock.calls[0]![1]).toBeGreaterThanOrEqual(9_999);
    expect(setTimeoutSpy.mock.results[0]!.value.hasRef()).toBe(false);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(pool.stats().size).toBe(0);
    setTimeoutSpy.mockRestore();
    await pool.close();
  });

  it('row 13: with a short maxLifetime under constant traffic, resources rotate with no failed acquire', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 3, maxLifetimeMs: 1_000, maxLifetimeJitter: 0.2, maxConcurrentCreates: 3 });
    const destroyed = reasons(pool);
    let failures = 0;
    for (let tick = 0; tick < 100; tick++) {
      await Promise.all(Array.from({ length: 3 }, () => pool.use(() => vi.advanceTimersByTimeAsync(10)).catch(() => { failures++; })));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(failures).toBe(0);
    expect(destroyed.filter((reason) => reason === 'lifetime').length).toBeGreaterThanOrEqual(3 * 3);
    expect(pool.stats().totals.acquired).toBe(300);
    expectConsistent(pool);
    await pool.close();
  });

  it('lifetime jitter spreads expiry: resources created together do not all expire together', async () => {
    const pool = createPool(fakeProvider(), { max: 20, maxLifetimeMs: 100_000, maxLifetimeJitter: 0.5, maxConcurrentCreates: 20, idleTimeoutMs: Infinity });
    const expiredAt: number[] = [];
    pool.on('destroy', () => expiredAt.push(performance.now()));
    const leases = await Promise.all(Array.from({ length: 20 }, () => pool.acquire()));
    for (const lease of leases) lease.release();
    await vi.advanceTimersByTimeAsync(100_001);
    expect(expiredAt).toHaveLength(20);
    expect(new Set(expiredAt.map((t) => Math.round(t / 1_000))).size).toBeGreaterThan(5);
    expect(Math.min(...expiredAt)).toBeGreaterThanOrEqual(50_000);
    await pool.close();
  });

  it('keepalive pings idle resources; one that fails its ping is replaced and reported', async () => {
    let healthy = true;
    const validate = vi.fn(() => healthy);
    const pool = createPool(fakeProvider({ validate }), { min: 2, max: 2, keepaliveIntervalMs: 5_000, maxConcurrentCreates: 2 });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    await pool.ready();
    await vi.advanceTimersByTimeAsync(5_001);
    expect(validate).toHaveBeenCalledTimes(2);
    healthy = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(validate).toHaveBeenCalledTimes(4);
    healthy = true;
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.filter((error) => error.code === 'POOL_VALIDATE_FAILED')).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2, totals: { created: 4, destroyed: 2, validationFailures: 2 } });
    await pool.close();
  });

  it('row 11: a lease held past leakDetectionMs emits one leak event with its acquire stack', async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_: unknown, message: string) => logged.push(message) };
    const pool = createPool(fakeProvider(), { max: 2, leakDetectionMs: 2_000, logger });
    const leaks: Array<{ heldMs: number; stack: string }> = [];
    pool.on('leak', ({ heldMs, stack }) => leaks.push({ heldMs, stack }));
    const forgotten = await pool.acquire();
    const returned = await pool.acquire();
    await vi.advanceTimersByTimeAsync(1_000);
    returned.release();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(2_000);
    expect(leaks[0]!.stack).toMatch(/acquired here/);
    expect(leaks[0]!.stack).toMatch(/maintenance\.test\.ts/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(leaks).toHaveLength(1);
    expect(pool.stats().totals.leaks).toBe(1);
    expect(logged).toContain('lease held past leakDetectionMs: possible leak');
    forgotten.release();
    await pool.close();
  });
});
