import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError } from '../../src/index.js';
import { PoolEmitter } from '../../src/events.js';
import type { LeaseOwner } from '../../src/lease.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { resolveOptions } from '../../src/options.js';
import { Reporter } from '../../src/reporter.js';
import { Shelf } from '../../src/shelf.js';
import { Slot } from '../../src/slot.js';
import type { PoolTotals } from '../../src/stats.js';
import { fakeProvider } from '../helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Lifecycle', () => {
  it('retire destroys once under the destroy timeout; drain waits for leases, then destroys the rest at its timeout', async () => {
    const destroyed: string[] = [];
    const shelf = new Shelf<string>(true);
    const totals = { created: 0, destroyed: 0 } as PoolTotals;
    const errors: unknown[] = [];
    const emitter = new PoolEmitter<string>();
    emitter.on('error', (error) => errors.push(error));
    const lifecycle = new Lifecycle<string>({ create: () => Promise.resolve('x'), destroy: (r) => { destroyed.push(r); } },
      resolveOptions({}), totals, new Reporter<string>('parts', undefined, emitter),
      { borrowed: () => shelf.borrowed, discharge: (slot) => shelf.discharge(slot) });
    const join = (name: string) => {
      const slot = new Slot<string>({ name: 'parts' } as LeaseOwner<string>, name, 0, Infinity, 0);
      lifecycle.join(slot);
      shelf.admit(slot);
      return slot;
    };
    const a = join('a');
    join('b');
    expect(lifecycle.owned).toBe(2);
    lifecycle.retire(a, 'broken');
    lifecycle.retire(a, 'broken'); // twice: a no-op
    expect(destroyed).toEqual(['a']);
    const drained = lifecycle.drain(100);
    await vi.advanceTimersByTimeAsync(100);
    await drained;
    expect(destroyed).toEqual(['a', 'b']);
    expect(totals).toMatchObject({ created: 2, destroyed: 2 });
    expect(errors).toHaveLength(1); // the close timeout is reported
  });
});

describe('Pool.tryAcquire', () => {
  it('lends an idle resource synchronously; undefined when none is idle or callers wait', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    expect(pool.tryAcquire()).toBeUndefined();
    (await pool.acquire()).release();
    const lease = pool.tryAcquire();
    expect(lease?.resource.id).toBe(1);
    const waiting = pool.acquire();
    expect(pool.tryAcquire()).toBeUndefined();
    lease!.release();
    (await waiting).release();
    await pool.close();
    expect(pool.tryAcquire()).toBeUndefined();
    expect(isPoolError(await pool.acquire().catch((e: unknown) => e), 'POOL_CLOSED')).toBe(true);
  });
});
