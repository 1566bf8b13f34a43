import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, type DestroyReason } from '../src/index.js';
import { expectConsistent, fakeProvider, flush, type Fake } from './helpers/fake-provider.js';

// Issue 14 item 2: whatever path lends a resource, a broken one (provider.isBroken) is never lent:
// it is destroyed with reason 'broken' and the caller gets another one or keeps waiting.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function destroyReasons(pool: ReturnType<typeof createPool<Fake>>): Array<[number, DestroyReason]> {
  const reasons: Array<[number, DestroyReason]> = [];
  pool.on('destroy', (event) => reasons.push([event.resource.id, event.reason]));
  return reasons;
}

describe('never lend a broken resource', () => {
  it('idle: a resource that broke while idle is destroyed and the caller gets a new one', async () => {
    const pool = createPool(fakeProvider(), { max: 2 });
    const reasons = destroyReasons(pool);
    const first = await pool.acquire();
    first.release();
    first.resource.broken = true;
    const lease = await pool.acquire();
    expect(lease.resource.id).toBe(2);
    expect(reasons).toEqual([[1, 'broken']]);
    lease.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('hand-off to a waiter: a resource that broke during its reset is not handed to the waiter', async () => {
    let breakOnReset = false;
    const provider = fakeProvider({ reset: async (fake) => { await Promise.resolve(); if (breakOnReset) fake.broken = true; return true; } });
    const pool = createPool(provider, { max: 1 });
    const reasons = destroyReasons(pool);
    const held = await pool.acquire();
    const waiting = pool.acquire();
    breakOnReset = true;
    held.release();
    await flush();
    breakOnReset = false;
    await vi.advanceTimersByTimeAsync(0);
    const lease = await waiting;
    expect(lease.resource.id).toBe(2);
    expect(lease.resource.broken).toBe(false);
    expect(reasons).toEqual([[1, 'broken']]);
    lease.release();
    await flush();
    expectConsistent(pool);
    await pool.close();
  });

  it('right after create: a resource created broken is destroyed, counted as a failed create, and the caller gets the next', async () => {
    const provider = fakeProvider({
      create: async () => undefined,
      isBroken: (fake) => fake.id === 1,
    });
    const pool = createPool(provider, { max: 1 });
    const reasons = destroyReasons(pool);
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(30); // the next create comes after the probe floor, not in a tight loop
    const lease = await pending;
    expect(lease.resource.id).toBe(2);
    expect(reasons).toEqual([[1, 'broken']]);
    expect(pool.stats().totals).toMatchObject({ created: 2, destroyed: 1, createErrors: 1 });
    lease.release();
    await pool.close();
  });

  it('after validate: a resource that broke while it was pinged is destroyed and the caller gets another', async () => {
    const provider = fakeProvider({ validate: async (fake) => { await Promise.resolve(); if (fake.id === 1) fake.broken = true; return true; } });
    const pool = createPool(provider, { max: 2, validateAfterIdleMs: 0 });
    const reasons = destroyReasons(pool);
    (await pool.acquire()).release(); // resource 1 idle (a new resource is not pinged)
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    const lease = await pending;
    expect(lease.resource.id).toBe(2);
    expect(reasons).toEqual([[1, 'broken']]);
    lease.release();
    await pool.close();
  });

  it('dispatch after resume: a queued caller is not given a resource that broke while the pool was paused', async () => {
    const pool = createPool(fakeProvider(), { max: 2 });
    const reasons = destroyReasons(pool);
    const first = await pool.acquire();
    first.release();
    pool.pause();
    const pending = pool.acquire();
    first.resource.broken = true;
    pool.resume();
    await flush();
    const lease = await pending;
    expect(lease.resource.id).toBe(2);
    expect(reasons).toEqual([[1, 'broken']]);
    lease.release();
    await pool.close();
  });

  it('keepalive: an idle resource that broke during its keepalive ping is not lent', async () => {
    const provider = fakeProvider({ validate: async (fake) => { await Promise.resolve(); fake.broken = true; return true; } });
    const pool = createPool(provider, { max: 1, keepaliveIntervalMs: 100, validateAfterIdleMs: Infinity });
    const reasons = destroyReasons(pool);
    (await pool.acquire()).release();
    await vi.advanceTimersByTimeAsync(100); // the keepalive ping runs; the resource breaks under it
    await flush();
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    const lease = await pending;
    expect(lease.resource.id).toBe(2);
    expect(reasons).toEqual([[1, 'broken']]);
    lease.release();
    await pool.close();
  });
});
