import { describe, expect, it } from 'vitest';
import { coarseNow } from '../src/clock.js';
import { createPool, type PoolError } from '../src/index.js';
import { fakeProvider } from './helpers/fake-provider.js';

/** Blocks the thread for `ms`, as a caller's own synchronous work would. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

describe('acquire deadlines are never early (real clock)', () => {
  it('a caller that queues after synchronous work still gets its full timeout', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    coarseNow(); // the coarse clock is read in this turn...
    busyFor(40); // ...and then ages while the caller computes, in the same turn
    const started = performance.now();
    const error = await pool.acquire({ timeoutMs: 100 }).then(() => undefined, (e: PoolError) => e);
    const waited = performance.now() - started;
    expect(error?.code).toBe('POOL_TIMEOUT');
    expect(waited).toBeGreaterThanOrEqual(100);
    held.release();
    await pool.close();
  });

  it('many short timeouts: none fires before its time', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const waits = await Promise.all(Array.from({ length: 50 }, (_, i) => {
      const started = performance.now();
      const timeoutMs = 5 + (i % 10);
      return pool.acquire({ timeoutMs }).then(
        () => { throw new Error('acquired while the only resource was held'); },
        () => ({ timeoutMs, waited: performance.now() - started }),
      );
    }));
    for (const { timeoutMs, waited } of waits) expect(waited).toBeGreaterThanOrEqual(timeoutMs);
    held.release();
    await pool.close();
  });
});
