import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type PoolError } from '../src/index.js';
import { fakeProvider, flush } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('close (reliability row 10)', () => {
  it('rejects new acquires and waiters with POOL_CLOSED, waits for borrowed leases, then destroys everything', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const waiter = pool.acquire().catch((error: unknown) => error);
    let closed = false;
    const closing = pool.close().then(() => { closed = true; });
    expect(isPoolError(await waiter, 'POOL_CLOSED')).toBe(true);
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    a.release();
    await flush();
    expect(closed).toBe(false);
    b.release();
    await closing;
    expect(closed).toBe(true);
    expect(provider.destroyed).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ size: 0, closed: true, totals: { created: 2, destroyed: 2 } });
  });

  it('after its timeout, close destroys leases still out; their later release is a no-op', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    const lease = await pool.acquire();
    const closing = pool.close({ timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;
    expect(provider.destroyed).toEqual([lease.resource]);
    expect(errors[0]).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'close' });
    expect(() => lease.release()).not.toThrow();
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0, totals: { destroyed: 1 } });
  });

  it('row 4: a destroy that throws or hangs is reported, counted, and close still finishes', async () => {
    const provider = fakeProvider({
      destroy: (fake) => {
        if (fake.id === 1) throw new Error('socket already closed');
        return new Promise<void>(() => {});
      },
    });
    const pool = createPool(provider, { max: 2, destroyTimeoutMs: 500 });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    const leases = [await pool.acquire(), await pool.acquire()];
    for (const lease of leases) lease.release();
    const closing = pool.close();
    await vi.advanceTimersByTimeAsync(500);
    await closing;
    expect(errors.map((error) => error.code).sort()).toEqual(['POOL_DESTROY_FAILED', 'POOL_TIMEOUT']);
    expect(errors.find((error) => error.code === 'POOL_TIMEOUT')).toMatchObject({ phase: 'destroy' });
    expect(pool.stats()).toMatchObject({ size: 0, totals: { destroyed: 2 } });
  });

  it('a later close({ timeoutMs }) with a sooner deadline shortens the wait for leases out; a later one changes nothing', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    const lease = await pool.acquire();
    let closed = false;
    const first = pool.close({ timeoutMs: 30_000 }).then(() => { closed = true; });
    await vi.advanceTimersByTimeAsync(1_000);
    // a later, longer deadline does not extend the wait, and gives back the same promise
    expect(pool.close({ timeoutMs: 60_000 })).toBe(pool.close());
    const second = pool.close({ timeoutMs: 200 });
    await vi.advanceTimersByTimeAsync(199);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    await first;
    expect(closed).toBe(true);
    expect(provider.destroyed).toEqual([lease.resource]);
    // the reported limit is the one that ended the wait: 1,000 ms waited + 200
    expect(errors).toEqual([expect.objectContaining({ code: 'POOL_TIMEOUT', phase: 'close', message: expect.stringContaining('after 1200 ms') })]);
    // a bad timeoutMs on a later call is refused as on the first
    await expect(pool.close({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
  });

  it('is idempotent and also reachable through Symbol.asyncDispose', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    (await pool.acquire()).release();
    const first = pool.close();
    expect(pool.close()).toBe(first);
    expect(pool[Symbol.asyncDispose]()).toBe(first);
    await first;
  });

  it('operations on a closed pool are safe: resize, evictAll, pause and resume do nothing harmful', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    await pool.close();
    pool.resize({ max: 3 });
    pool.evictAll();
    pool.pause();
    pool.resume();
    expect(pool.stats()).toMatchObject({ size: 0, closed: true });
    await expect(pool.use(() => 1)).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });
});
