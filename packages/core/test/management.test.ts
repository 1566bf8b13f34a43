import { describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

describe('runtime management', () => {
  it('pause holds acquires until resume, which serves the waiters first', async () => {
    const pool = createPool(fakeProvider(), { max: 2, min: 1 });
    await pool.ready();
    pool.pause();
    expect(pool.stats().paused).toBe(true);
    let served = false;
    const waiting = pool.acquire().then((lease) => { served = true; return lease; });
    await flush();
    expect(served).toBe(false);
    pool.resume();
    const lease = await waiting;
    expect(lease.resource.id).toBe(1);
    lease.release();
    await pool.close();
  });

  it('while paused a release goes to idle, not to a waiter, and the waiter still times out at its deadline', async () => {
    vi.useFakeTimers();
    try {
      const pool = createPool(fakeProvider(), { max: 1 });
      const held = await pool.acquire();
      pool.pause();
      let served = false;
      let error: unknown;
      void pool.acquire({ timeoutMs: 1_000 }).then((lease) => { served = true; lease.release(); }, (e: unknown) => { error = e; });
      held.release();
      await vi.advanceTimersByTimeAsync(999);
      expect(served).toBe(false);
      expect(error).toBeUndefined();
      expect(pool.stats()).toMatchObject({ size: 1, idle: 1, borrowed: 0, pending: 1, paused: true });
      await vi.advanceTimersByTimeAsync(1);
      expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
      expect(pool.stats()).toMatchObject({ pending: 0, totals: { timeouts: 1, acquired: 1 } });
      pool.resume();
      const lease = await pool.acquire();
      expect(lease.resource).toBe(held.resource);
      lease.release();
      expectConsistent(pool);
      await pool.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('resize up lets waiting callers get new resources; resize down trims idle now and borrowed on release', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const a = await pool.acquire();
    const waiting = pool.acquire();
    pool.resize({ max: 3 });
    const b = await waiting;
    const c = await pool.acquire();
    expect(pool.stats().size).toBe(3);
    c.release();
    pool.resize({ max: 1 });
    expect(pool.stats()).toMatchObject({ size: 2, idle: 0, max: 1 }); // the idle one went at once
    a.release();
    expect(pool.stats().size).toBe(1); // a borrowed one went on release
    b.release();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
    pool.resize({ min: 1, max: 4 });
    expect(pool.stats()).toMatchObject({ min: 1, max: 4 });
    expectConsistent(pool);
    await pool.close();
  });

  it('resize raising min creates resources up to it', async () => {
    const pool = createPool(fakeProvider(), { max: 5 });
    pool.resize({ min: 3 });
    await pool.ready();
    await flush();
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3 });
    await pool.close();
  });

  it('row 33 (core part): evictAll destroys idle now, borrowed on release, and discards creates in flight', async () => {
    let finishCreate: (() => void) | undefined;
    const provider = fakeProvider({ create: (attempt) => (attempt === 3 ? new Promise<void>((resolve) => { finishCreate = resolve; }) : undefined) });
    const pool = createPool(provider, { max: 3 });
    const idle = await pool.acquire();
    const borrowed = await pool.acquire();
    idle.release();
    pool.resize({ min: 3 }); // starts create number 3, which is still in flight during the eviction
    await flush();
    expect(pool.stats().creating).toBe(1);
    pool.evictAll(new Error("READONLY You can't write against a read only replica."));
    expect(provider.destroyed).toEqual([idle.resource]);
    finishCreate?.();
    await flush();
    // the create started before the eviction was discarded when it finished; min was refilled with fresh ones
    expect(provider.destroyed).toHaveLength(2);
    const late = provider.destroyed[1]!;
    expect(late).not.toBe(borrowed.resource);
    expect(late.id).toBeGreaterThan(2);
    borrowed.release();
    expect(provider.destroyed).toEqual([idle.resource, late, borrowed.resource]);
    await flush();
    const next = await pool.acquire();
    expect(next.resource.id).toBeGreaterThanOrEqual(4);
    next.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('a provider failover error in use() evicts every resource', async () => {
    const provider = fakeProvider({ isFailover: (error) => String((error as Error).message).startsWith('READONLY') });
    const pool = createPool(provider, { max: 2 });
    const other = await pool.acquire();
    other.release();
    await expect(pool.use(() => { throw new Error('READONLY replica'); })).rejects.toThrow('READONLY');
    expect(provider.destroyed).toHaveLength(1);
    expect(pool.stats().size).toBe(0);
    await pool.close();
  });

  it('stats reports sizes and totals', async () => {
    const pool = createPool(fakeProvider(), { max: 3, min: 1, name: 'stats' });
    await pool.ready();
    const lease = await pool.acquire();
    expect(pool.stats()).toEqual({
      name: 'stats', size: 1, idle: 0, borrowed: 1, creating: 0, pending: 0, min: 1, max: 3,
      paused: false, closed: false, unavailable: false,
      totals: { created: 1, destroyed: 0, acquired: 1, released: 0, timeouts: 0, aborted: 0, rejected: 0, createErrors: 0, validationFailures: 0, leaks: 0 },
    });
    lease.release();
    await pool.close();
  });
});
