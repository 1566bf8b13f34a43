import { describe, expect, it } from 'vitest';
import { createPool, isPoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

describe('the wait queue', () => {
  it('row 8: beyond maxWaiting, acquire rejects at once with POOL_QUEUE_FULL', async () => {
    const pool = createPool(fakeProvider(), { max: 1, maxWaiting: 2 });
    const held = await pool.acquire();
    const queued = [pool.acquire(), pool.acquire()];
    const error = await pool.acquire().catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_QUEUE_FULL')).toBe(true);
    expect((error as Error).message).toMatch(/2 callers already waiting \(maxWaiting 2\)/);
    expect(pool.stats()).toMatchObject({ pending: 2, totals: { rejected: 1 } });
    held.release();
    for (const waiting of queued) (await waiting).release();
    await pool.close();
  });

  it('maxWaiting 0 never queues: a caller gets an idle resource or an immediate refusal', async () => {
    const pool = createPool(fakeProvider(), { max: 1, maxWaiting: 0, min: 1 });
    await pool.ready();
    const lease = await pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_QUEUE_FULL' });
    lease.release();
    await pool.close();
  });

  it('row 14: 10,000 waiters at once on max=10 are all served, in FIFO order, priority first', async () => {
    const pool = createPool(fakeProvider(), { max: 10, maxConcurrentCreates: 10 });
    const served: number[] = [];
    const waiters = Array.from({ length: 10_000 }, (_, i) => {
      const priority = i % 100 === 99 ? 1 : 0; // every hundredth caller is urgent
      return pool.acquire({ priority }).then(async (lease) => {
        served.push(i);
        await Promise.resolve();
        lease.release();
      });
    });
    await Promise.all(waiters);
    expect(served).toHaveLength(10_000);
    // the first ten got fresh resources at once; after that, urgent callers before normal ones, FIFO within each
    const afterFirst = served.slice(10);
    const urgent = afterFirst.filter((i) => i % 100 === 99);
    const normal = afterFirst.filter((i) => i % 100 !== 99);
    const inversions = (list: number[]) => list.filter((value, k) => k > 0 && value < list[k - 1]!).length;
    expect(inversions(urgent)).toBe(0);
    expect(inversions(normal)).toBe(0);
    expect(afterFirst.slice(0, urgent.length).every((i) => i % 100 === 99)).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 10, pending: 0, totals: { acquired: 10_000, released: 10_000, created: 10 } });
    expectConsistent(pool);
    await pool.close();
  });

  it('row 14: heap stays small per waiter (10,000 queued waiters < 1 KB each)', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const waiters = Array.from({ length: 10_000 }, () => pool.acquire());
    await flush();
    globalThis.gc?.();
    const perWaiter = (process.memoryUsage().heapUsed - before) / 10_000;
    expect(perWaiter).toBeLessThan(1_024);
    held.release();
    for (const waiter of waiters) (await waiter).release();
    await pool.close();
  });
});
