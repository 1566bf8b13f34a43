import { describe, expect, it } from 'vitest';
import { createPool, isPoolError, Pool } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

describe('acquire and release', () => {
  it('creates on demand, lends, and reuses the same resource after release', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 2 });
    const first = await pool.acquire();
    expect(first.resource.id).toBe(1);
    first.release();
    const second = await pool.acquire();
    expect(second.resource).toBe(first.resource);
    expect(provider.made).toHaveLength(1);
    second.release();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, borrowed: 0, totals: { acquired: 2, released: 2, created: 1 } });
    expectConsistent(pool);
    await pool.close();
  });

  it('never exceeds max, and a release goes straight to the oldest waiter', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => pool.acquire().then((lease) => { order.push(n); return lease; }));
    await flush();
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 2, pending: 3 });
    a.release();
    const first = await waiting[0]!;
    // handed over directly: it never became idle, and nothing else woke up
    expect(first.resource).toBe(a.resource);
    expect(order).toEqual([1]);
    expect(pool.stats()).toMatchObject({ idle: 0, pending: 2 });
    b.release();
    first.release();
    const rest = await Promise.all(waiting.slice(1));
    expect(order).toEqual([1, 2, 3]);
    expect(provider.made).toHaveLength(2);
    rest.forEach((lease) => lease.release());
    expectConsistent(pool);
    await pool.close();
  });

  it('lifo reuses the warmest resource, fifo the one idle longest', async () => {
    for (const order of ['lifo', 'fifo'] as const) {
      const pool = createPool(fakeProvider(), { max: 3, order });
      const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
      for (const lease of leases) lease.release(); // released 1, 2, 3
      const next = await pool.acquire();
      expect(next.resource.id).toBe(order === 'lifo' ? leases[2]!.resource.id : leases[0]!.resource.id);
      next.release();
      await pool.close();
    }
  });

  it('serves higher priority first, FIFO within a priority', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const served: string[] = [];
    const ask = (name: string, priority?: number) =>
      pool.acquire(priority === undefined ? undefined : { priority }).then((lease) => {
        served.push(name);
        lease.release();
      });
    const all = [ask('low-1', -1), ask('normal-1'), ask('high-1', 5), ask('normal-2'), ask('high-2', 5), ask('low-2', -1)];
    await flush();
    held.release();
    await Promise.all(all);
    expect(served).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
    await pool.close();
  });

  it('use() releases after success and passes the result through', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const id = await pool.use((fake) => fake.id);
    expect(id).toBe(1);
    expect(pool.stats()).toMatchObject({ idle: 1, borrowed: 0 });
    await pool.close();
  });

  it('use() keeps the resource after an ordinary error, destroys it after a fatal one', async () => {
    const provider = fakeProvider({ isFatal: (error) => (error as Error).message === 'connection lost' });
    const pool = createPool(provider, { max: 1 });
    await expect(pool.use(() => { throw new Error('syntax error'); })).rejects.toThrow('syntax error');
    expect(pool.stats()).toMatchObject({ idle: 1, totals: { destroyed: 0 } });
    await expect(pool.use(async () => { throw new Error('connection lost'); })).rejects.toThrow('connection lost');
    expect(pool.stats()).toMatchObject({ idle: 0, size: 0, totals: { destroyed: 1 } });
    expect(provider.destroyed).toHaveLength(1);
    expectConsistent(pool);
    await pool.close();
  });

  it('use() destroys a resource that the failed call left broken', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    await expect(pool.use((fake) => { fake.broken = true; throw new Error('socket closed'); })).rejects.toThrow();
    expect(provider.destroyed).toHaveLength(1);
    await pool.close();
  });

  it('use() leaves the lease alone when fn released or destroyed it itself', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    await pool.use((_, lease) => lease.destroy());
    expect(pool.stats().totals.destroyed).toBe(1);
    await pool.use((_, lease) => lease.release());
    expect(pool.stats()).toMatchObject({ idle: 1, totals: { released: 1 } });
    await pool.close();
  });

  it('await using releases the lease at the end of the scope', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    {
      await using lease = await pool.acquire();
      expect(lease.resource.id).toBe(1);
      expect(pool.stats().borrowed).toBe(1);
    }
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
    {
      using lease = await pool.acquire();
      lease.release(); // disposing a released lease is a no-op
    }
    expect(pool.stats().totals.released).toBe(2);
    await pool.close();
  });

  it('a pool is AsyncDisposable', async () => {
    const provider = fakeProvider();
    {
      await using pool = createPool(provider, { max: 1 });
      (await pool.acquire()).release();
    }
    expect(provider.destroyed).toHaveLength(1);
  });

  it('Pool.from lends the given objects and never creates more', async () => {
    const items = [{ n: 1 }, { n: 2 }];
    const pool = Pool.from(items, { acquireTimeoutMs: 50 });
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2, max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(new Set([a.resource, b.resource])).toEqual(new Set(items));
    const late = pool.acquire();
    a.release();
    const again = await late;
    expect(again.resource).toBe(a.resource);
    again.release();
    // a destroyed object is gone for good: the pool shrinks
    b.destroy();
    await flush();
    expect(pool.stats()).toMatchObject({ size: 1, max: 1 });
    expect(() => Pool.from([])).toThrow(/at least one object/);
    expect(() => Pool.from([1], { max: 3 } as never)).toThrow(/do not pass `max`/);
    await pool.close();
  });

  it('a create that throws synchronously is a create failure, not a crash', async () => {
    const pool = createPool<number>({ create: () => { throw new Error('sync boom'); } }, { max: 1, acquireTimeoutMs: 30, failFast: false });
    const error = await pool.acquire().catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect((error as Error).cause).toMatchObject({ message: 'sync boom' });
    await pool.close();
  });
});
