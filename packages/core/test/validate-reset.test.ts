import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type DestroyReason, type PoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, type Fake } from './helpers/fake-provider.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Acquires once, releases, and lets the resource sit idle for `idleMs`. */
async function idleResource(pool: ReturnType<typeof createPool<Fake>>, idleMs: number): Promise<Fake> {
  const lease = await pool.acquire();
  lease.release();
  await vi.advanceTimersByTimeAsync(idleMs);
  return lease.resource;
}

describe('validation on acquire', () => {
  it.each([
    ['returns false', () => false],
    ['throws', () => { throw new Error('ping failed'); }],
    ['hangs past validateTimeoutMs', () => new Promise<boolean>(() => {})],
  ])('row 3: when validate %s, the stale resource is destroyed and the caller gets a fresh one, with no error', async (_, failing) => {
    let healthy = true;
    const provider = fakeProvider({ validate: () => (healthy ? true : failing()) });
    const pool = createPool(provider, { max: 2, validateAfterIdleMs: 1_000, validateTimeoutMs: 500 });
    const destroyed: Array<{ reason: DestroyReason; error?: unknown }> = [];
    pool.on('destroy', ({ reason, error }) => destroyed.push({ reason, error }));
    const stale = await idleResource(pool, 2_000);
    healthy = false;
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(500);
    healthy = true;
    const lease = await pending;
    expect(lease.resource).not.toBe(stale);
    expect(stale.destroyCalls).toBe(1);
    expect(destroyed[0]?.reason).toBe('validate-failed');
    expect(pool.stats().totals.validationFailures).toBe(1);
    lease.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('validates only resources idle at least validateAfterIdleMs; 0 = always; Infinity = never', async () => {
    for (const [validateAfterIdleMs, idleMs, expected] of [[1_000, 500, 0], [1_000, 1_500, 1], [0, 0, 1], [Infinity, 10_000, 0]] as const) {
      const validate = vi.fn(() => true);
      const pool = createPool(fakeProvider({ validate }), { max: 1, validateAfterIdleMs });
      await idleResource(pool, idleMs);
      (await pool.acquire()).release();
      expect(validate).toHaveBeenCalledTimes(expected);
      await pool.close();
    }
  });

  it('validate gets the idle time and a signal that aborts at validateTimeoutMs', async () => {
    let seen: { signal: AbortSignal; idleMs: number } | undefined;
    const provider = fakeProvider({ validate: (_, ctx) => { seen = ctx; return new Promise<boolean>(() => {}); } });
    const pool = createPool(provider, { max: 1, validateAfterIdleMs: 100, validateTimeoutMs: 300 });
    await idleResource(pool, 250);
    const pending = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen?.idleMs).toBeGreaterThanOrEqual(250);
    expect(seen?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(seen?.signal.aborted).toBe(true);
    (await pending).release();
    await pool.close();
  });

  it('a broken idle resource is skipped without a ping', async () => {
    const validate = vi.fn(() => true);
    const provider = fakeProvider({ validate });
    const pool = createPool(provider, { max: 2, validateAfterIdleMs: 1_000 });
    const resource = await idleResource(pool, 10);
    resource.broken = true;
    const lease = await pool.acquire();
    expect(lease.resource).not.toBe(resource);
    expect(validate).not.toHaveBeenCalled();
    lease.release();
    await pool.close();
  });

  it('a waiter whose resource fails validation keeps its place and its deadline', async () => {
    let valid = false;
    const provider = fakeProvider({ validate: () => valid });
    const pool = createPool(provider, { max: 1, validateAfterIdleMs: 0, acquireTimeoutMs: 1_000 });
    await idleResource(pool, 10);
    const result = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    valid = true;
    const lease = await result;
    expect(lease.resource.id).toBe(2);
    lease.release();
    await pool.close();
  });

  it('a queued caller whose resource is still being validated times out at its own deadline', async () => {
    const provider = fakeProvider({ validate: () => new Promise<boolean>(() => {}) }); // a ping that never answers
    const pool = createPool(provider, { max: 1, validateAfterIdleMs: 0, validateTimeoutMs: 60_000, acquireTimeoutMs: 1_000 });
    await idleResource(pool, 10);
    pool.pause();
    const started = performance.now();
    const result = pool.acquire().catch((error: unknown) => error); // queued with the pool's timeout
    await vi.advanceTimersByTimeAsync(100);
    pool.resume(); // hands it the idle resource, which must be validated first: the ping hangs
    await vi.advanceTimersByTimeAsync(899);
    expect(pool.stats().pending).toBe(0); // out of the queue while its resource is checked...
    let settled = false;
    void result.then(() => { settled = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false); // ...and not failed early
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect(performance.now() - started).toBe(1_000);
    expect(pool.stats().totals.timeouts).toBe(1);
    const closed = pool.close({ timeoutMs: 0 }); // the ping still hangs: close gives up on it
    await vi.advanceTimersByTimeAsync(0);
    await closed;
  });
});

describe('release checks and reset', () => {
  it('row 5: reset returning false destroys the resource instead of reusing it', async () => {
    const provider = fakeProvider({ reset: (fake) => fake.id !== 1 });
    const pool = createPool(provider, { max: 1 });
    const first = await pool.acquire();
    first.release();
    const second = await pool.acquire();
    expect(second.resource).not.toBe(first.resource);
    expect(first.resource.destroyCalls).toBe(1);
    second.release();
    expect(pool.stats()).toMatchObject({ idle: 1, totals: { destroyed: 1 } });
    await pool.close();
  });

  it('an async reset runs before reuse; a reset that throws or hangs destroys and reports an error event', async () => {
    let mode: 'ok' | 'throw' | 'hang' = 'ok';
    const resets: number[] = [];
    const provider = fakeProvider({
      reset: async (fake) => {
        resets.push(fake.id);
        if (mode === 'throw') throw new Error('ROLLBACK failed');
        if (mode === 'hang') await new Promise(() => {});
        return true;
      },
    });
    const pool = createPool(provider, { max: 1, resetTimeoutMs: 200 });
    const errors: PoolError[] = [];
    pool.on('error', (error) => errors.push(error));
    const first = await pool.acquire();
    first.release();
    expect(pool.stats().borrowed).toBe(1); // held by the pool while resetting
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats()).toMatchObject({ idle: 1, borrowed: 0 });
    mode = 'throw';
    (await pool.acquire()).release();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors[0]).toMatchObject({ code: 'POOL_RESET_FAILED' });
    expect((errors[0]!.cause as Error).message).toBe('ROLLBACK failed');
    expect(pool.stats().size).toBe(0);
    mode = 'hang';
    (await pool.acquire()).release();
    await vi.advanceTimersByTimeAsync(200);
    expect(isPoolError(errors[1], 'POOL_TIMEOUT')).toBe(true);
    expect(errors[1]).toMatchObject({ phase: 'reset' });
    expect(pool.stats().size).toBe(0);
    expectConsistent(pool);
    await pool.close();
  });

  it('a waiter gets the resource only after its reset', async () => {
    let finishReset: (() => void) | undefined;
    const provider = fakeProvider({ reset: () => new Promise<boolean>((resolve) => { finishReset = () => resolve(true); }) });
    const pool = createPool(provider, { max: 1 });
    const lease = await pool.acquire();
    let served = false;
    const next = pool.acquire().then((l) => { served = true; return l; });
    lease.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(served).toBe(false);
    finishReset?.();
    (await next).release();
    expect(served).toBe(true);
    finishReset?.();
    await pool.close();
  });

  it('maxUses destroys a resource after that many leases', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1, maxUses: 3 });
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const lease = await pool.acquire();
      ids.push(lease.resource.id);
      lease.release();
    }
    expect(ids).toEqual([1, 1, 1, 2, 2, 2, 3]);
    await pool.close();
  });

  it('a resource broken while borrowed is destroyed on release, not reused', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const lease = await pool.acquire();
    lease.resource.broken = true;
    lease.release();
    expect(provider.destroyed).toEqual([lease.resource]);
    const next = await pool.acquire();
    expect(next.resource.id).toBe(2);
    next.release();
    await pool.close();
  });
});
