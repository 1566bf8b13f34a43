import { createPool, type Pool } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { closePoolsAfterEach } from '../src/index.js';

const track = closePoolsAfterEach();
let tracked: Pool<{ n: number }> | undefined;
let destroyed = 0;

describe.sequential('closePoolsAfterEach', () => {
  it('tracks a pool and gives it back', async () => {
    let n = 0;
    const pool = createPool({ create: async () => ({ n: ++n }), destroy: async () => void destroyed++ }, { max: 2 });
    expect(track(pool)).toBe(pool);
    tracked = pool;
    const leases = await Promise.all([pool.acquire(), pool.acquire()]);
    for (const lease of leases) lease.release();
    expect(pool.stats().size).toBe(2);
  });

  it('closed it after that test, every resource destroyed', () => {
    expect(tracked?.stats().size).toBe(0);
    expect(tracked?.stats().totals).toMatchObject({ created: 2, destroyed: 2 });
    expect(destroyed).toBe(2);
  });
});
