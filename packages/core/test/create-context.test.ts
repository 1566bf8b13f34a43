import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, type CreateContext } from '../src/index.js';

// The context a create gets: its signal is made only when read (an AbortController per create was
// most of a create's cost), and must still behave as a plain `{ signal }` did.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the create context', () => {
  it('a provider that reads the signal late (after the create timed out) gets an aborted one with the timeout as reason', async () => {
    let kept: CreateContext | undefined;
    const pool = createPool<number>({
      create: (ctx) => {
        kept ??= ctx; // the first create's; read nothing yet
        return new Promise<number>(() => {});
      },
    }, { max: 1, createTimeoutMs: 100, acquireTimeoutMs: 1_000, failFast: false, retry: { minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const waiting = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(150);
    const signal = kept?.signal as AbortSignal;
    expect(signal.aborted).toBe(true);
    expect(isPoolError(signal.reason) && signal.reason.code).toBe('POOL_TIMEOUT');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isPoolError(await waiting)).toBe(true);
    await pool.close();
  });

  it('a signal read at the start aborts when the pool closes, once, and the same signal is returned on every read', async () => {
    const seen: AbortSignal[] = [];
    let aborts = 0;
    const pool = createPool<number>({
      create: (ctx) => {
        const signal = ctx.signal;
        seen.push(signal, ctx.signal);
        signal.addEventListener('abort', () => aborts++);
        return new Promise<number>(() => {});
      },
    }, { max: 1, createTimeoutMs: 60_000 });
    const waiting = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]?.aborted).toBe(false);
    await pool.close({ timeoutMs: 0 });
    expect(seen[0]?.aborted).toBe(true);
    expect(aborts).toBe(1);
    expect(isPoolError(await waiting) && (await waiting as { code: string }).code).toBe('POOL_CLOSED');
  });

  it('keeps the signal when spread or destructured, as the plain { signal } object did', async () => {
    const keys: string[][] = [];
    const signals: unknown[] = [];
    const pool = createPool<number>({
      create: (ctx) => {
        const copy = { ...ctx };
        keys.push(Object.keys(ctx));
        const { signal } = ctx;
        signals.push(copy.signal, signal);
        return Promise.resolve(1);
      },
    }, { max: 1 });
    const lease = await pool.acquire();
    expect(keys[0]).toEqual(['signal']);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(signals[0]).toBe(signals[1]);
    lease.release();
    await pool.close();
  });

  it('a provider that never reads the signal still has its create abandoned at the deadline, and a late resource destroyed', async () => {
    const destroyed: number[] = [];
    let calls = 0;
    const pool = createPool<number>({
      create: () => {
        const id = ++calls;
        return new Promise<number>((resolve) => setTimeout(() => resolve(id), 500));
      },
      destroy: (resource) => {
        destroyed.push(resource);
      },
    }, { max: 1, createTimeoutMs: 100, acquireTimeoutMs: 300, failFast: false, retry: { minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const outcome = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(300);
    // a create timed out during the wait: the caller is told so (cause kept), not just "timed out"
    expect(isPoolError(await outcome) && (await outcome as { code: string }).code).toBe('POOL_CREATE_FAILED');
    await vi.advanceTimersByTimeAsync(300);
    expect(destroyed).toContain(1); // the first create resolved at 500 ms, after it was abandoned at 100
    expect(pool.stats().size).toBe(0);
    await pool.close();
  });
});
