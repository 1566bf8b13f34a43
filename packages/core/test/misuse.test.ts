import { describe, expect, it } from 'vitest';
import { createPool, isPoolError } from '../src/index.js';
import { expectConsistent, fakeProvider } from './helpers/fake-provider.js';

describe('API misuse (reliability row 9)', () => {
  it('a second release throws POOL_LEASE_RELEASED and changes no count', async () => {
    const pool = createPool(fakeProvider(), { max: 2 });
    const lease = await pool.acquire();
    lease.release();
    const before = pool.stats();
    let error: unknown;
    try {
      lease.release();
    } catch (e) {
      error = e;
    }
    expect(isPoolError(error, 'POOL_LEASE_RELEASED')).toBe(true);
    expect(pool.stats()).toEqual(before);
    // the resource went back once: two acquires get two different resources
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a.resource).not.toBe(b.resource);
    a.release();
    b.release();
    await pool.close();
  });

  it('release after destroy and destroy after release are refused; the counts stay right', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const lease = await pool.acquire();
    lease.destroy(new Error('bad'));
    expect(() => lease.release()).toThrow(expect.objectContaining({ code: 'POOL_LEASE_RELEASED' }));
    expect(() => lease.destroy()).toThrow(expect.objectContaining({ code: 'POOL_LEASE_RELEASED' }));
    expect(provider.destroyed).toHaveLength(1);
    expect(lease.resource.destroyCalls).toBe(1);
    const next = await pool.acquire();
    next.release();
    expect(() => next.destroy()).toThrow(expect.objectContaining({ code: 'POOL_LEASE_RELEASED' }));
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, totals: { destroyed: 1, released: 1 } });
    expectConsistent(pool);
    await pool.close();
  });

  it('a lease can only be given back to the pool it came from: leases carry their own pool', async () => {
    const poolA = createPool(fakeProvider(), { max: 1, name: 'a' });
    const poolB = createPool(fakeProvider(), { max: 1, name: 'b' });
    const lease = await poolA.acquire();
    lease.release();
    expect(poolA.stats().idle).toBe(1);
    expect(poolB.stats()).toMatchObject({ size: 0, idle: 0, totals: { released: 0 } });
    await Promise.all([poolA.close(), poolB.close()]);
  });

  it('releasing into a closed pool destroys the resource; it does not come back', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const lease = await pool.acquire();
    const closing = pool.close();
    lease.release();
    await closing;
    expect(provider.destroyed).toEqual([lease.resource]);
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
  });
});
