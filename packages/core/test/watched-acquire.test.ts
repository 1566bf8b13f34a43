import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallWatchdog, probeWasRefused, watchedAcquire } from '../adapter-kit/index.js';
import { createPool, isPoolError, PoolError } from '../src/index.js';
import { fakeProvider, flush } from './helpers/fake-provider.js';

// adapter-kit's watchedAcquire: a drop-in's connect()/getConnection() watched by the frozen-server
// watchdog while it waits (pg and mysql share it).

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A watchdog whose probe the test decides: 'silent' (never answers), 'refused' (rejects at once) or 'alive'. */
function watchdog(answer: () => 'silent' | 'refused' | 'alive') {
  const probe = vi.fn((signal: AbortSignal) => new Promise<void>((resolve, reject) => {
    const kind = answer();
    if (kind === 'alive') resolve();
    else if (kind === 'refused') reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    else signal.addEventListener('abort', () => reject(signal.reason));
  }));
  return { dog: new CallWatchdog({ thresholdMs: 1_000, checkTimeoutMs: 500, probe, pool: 'test' }), probe };
}

describe('watchedAcquire', () => {
  it('a caller still waiting when the server is silent fails with POOL_SERVER_UNRESPONSIVE by threshold + check, and leaves the line', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const { dog } = watchdog(() => 'silent');
    const started = performance.now();
    const waiting = watchedAcquire(pool, undefined, dog).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_600);
    const error = await waiting;
    expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(probeWasRefused(error)).toBe(false);
    expect(performance.now() - started).toBeLessThanOrEqual(1_600);
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { aborted: 1 } });
    held.release();
    await pool.close();
  });

  it('a refused check (server down or restarting) is not a frozen server: the caller waits on and is served once a resource comes back', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const { dog, probe } = watchdog(() => 'refused');
    const waiting = watchedAcquire(pool, undefined, dog);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(probe.mock.calls.length).toBeGreaterThanOrEqual(2); // watched afresh after each refused check
    expect(pool.stats().pending).toBe(1);
    held.release();
    const lease = await waiting;
    expect(lease.resource).toBe(held.resource);
    lease.release();
    await pool.close();
  });

  it('an idle resource lent at once starts no watch; a caller\'s own abort is still POOL_ABORTED', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    (await pool.acquire()).release();
    const { dog } = watchdog(() => 'silent');
    const lease = await watchedAcquire(pool, undefined, dog);
    expect(dog.size).toBe(0);
    const controller = new AbortController();
    const waiting = watchedAcquire(pool, { signal: controller.signal }, dog).catch((error: unknown) => error);
    await flush();
    expect(dog.size).toBe(1);
    controller.abort(new Error('caller gave up'));
    expect(await waiting).toMatchObject({ code: 'POOL_ABORTED' });
    expect(dog.size).toBe(0);
    lease.release();
    await pool.close();
  });

  it('probeWasRefused: only a watchdog error whose probe failed with something other than its timeout', () => {
    expect(probeWasRefused(new PoolError('POOL_SERVER_UNRESPONSIVE', 'x', { cause: new Error('ECONNREFUSED') }))).toBe(true);
    expect(probeWasRefused(new PoolError('POOL_SERVER_UNRESPONSIVE', 'x', { cause: new PoolError('POOL_TIMEOUT', 'probe timed out') }))).toBe(false);
    expect(probeWasRefused(new PoolError('POOL_TIMEOUT', 'x', { cause: new Error('ECONNREFUSED') }))).toBe(false);
    expect(probeWasRefused(new Error('ECONNREFUSED'))).toBe(false);
  });
});
