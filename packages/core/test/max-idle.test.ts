import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type Lease } from '../src/index.js';

// maxIdle (mysql2's): idle resources beyond it are destroyed within about a second of a release, the
// least recently used first, never below min and never a borrowed one.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function numbered(options: Parameters<typeof createPool>[1]) {
  let next = 0;
  const destroyed: { id: number; reason: string }[] = [];
  const pool = createPool<number>({ create: () => Promise.resolve(++next), destroy: () => undefined }, options);
  pool.on('destroy', (event) => destroyed.push({ id: event.resource, reason: event.reason }));
  return { pool, destroyed };
}

async function borrow(pool: ReturnType<typeof createPool<number>>, n: number): Promise<Lease<number>[]> {
  return Promise.all(Array.from({ length: n }, () => pool.acquire()));
}

describe('maxIdle', () => {
  it('destroys the idle resources beyond maxIdle a second after the release, least recently used first (reason idle)', async () => {
    const { pool, destroyed } = numbered({ max: 5, maxIdle: 2 });
    const leases = await borrow(pool, 5);
    for (const lease of leases) lease.release(); // 1 is the least recently used, 5 the most
    expect(pool.stats()).toMatchObject({ size: 5, idle: 5 });
    await vi.advanceTimersByTimeAsync(999);
    expect(pool.stats().size).toBe(5);
    await vi.advanceTimersByTimeAsync(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    expect(destroyed).toEqual([1, 2, 3].map((id) => ({ id, reason: 'idle' })));
    const kept = await borrow(pool, 2);
    expect(kept.map((lease) => lease.resource).sort()).toEqual([4, 5]);
    for (const lease of kept) lease.release();
    await pool.close();
  });

  it('never touches a borrowed resource, and never goes below min', async () => {
    const { pool } = numbered({ max: 6, min: 3, maxIdle: 0 });
    await pool.ready();
    const leases = await borrow(pool, 6);
    for (const lease of leases.slice(2)) lease.release(); // 2 borrowed, 4 idle
    await vi.advanceTimersByTimeAsync(1_100);
    // maxIdle 0 would close all 4 idle ones; min 3 keeps one of them
    expect(pool.stats()).toMatchObject({ size: 3, idle: 1, borrowed: 2 });
    for (const lease of leases.slice(0, 2)) lease.release();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3 });
    await pool.close();
  });

  it('keeps up to maxIdle resources idle for ever (idleTimeoutMs still applies), and the pool grows back to max on demand', async () => {
    const { pool } = numbered({ max: 4, maxIdle: 2, idleTimeoutMs: Infinity });
    for (const lease of await borrow(pool, 4)) lease.release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    const again = await borrow(pool, 4);
    expect(pool.stats()).toMatchObject({ size: 4, borrowed: 4 });
    for (const lease of again) lease.release();
    await pool.close();
  });

  it('is checked: an integer >= 0 or Infinity', () => {
    for (const bad of [-1, 1.5, Number.NaN, '2']) {
      let error: unknown;
      try {
        createPool({ create: () => Promise.resolve(1) }, { maxIdle: bad as number });
      } catch (caught) {
        error = caught;
      }
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
    }
    expect(createPool({ create: () => Promise.resolve(1) }, { maxIdle: Infinity }).options.maxIdle).toBe(Infinity);
    expect(createPool({ create: () => Promise.resolve(1) }).options.maxIdle).toBe(Infinity);
  });
});
