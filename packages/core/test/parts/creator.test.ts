import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Creator, type CreatorHost } from '../../src/creator.js';
import { resolveOptions, type PoolOptions } from '../../src/options.js';
import type { PoolError } from '../../src/errors.js';

// The Creator alone, with a fake host: how many creates it starts, when, and what it tells the host.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Create = (ctx: { signal: AbortSignal }) => Promise<number>;

function setup(options: PoolOptions, create: Create, want: { waiters?: number; min?: number } = {}, classify?: () => 'permanent' | 'transient') {
  const events: string[] = [];
  const state = { waiters: want.waiters ?? 0, owned: 0 };
  const host: CreatorHost<number> = {
    uncovered: () => state.waiters - creator.creating,
    size: () => state.owned + creator.creating,
    generation: () => 0,
    created: (resource) => {
      events.push(`created ${resource}`);
      state.owned++;
      if (state.waiters > 0) state.waiters--;
      return true;
    },
    failed: (report: PoolError, reject) => {
      events.push(`failed ${report.code}${reject ? ' reject' : ''}`);
      if (reject) state.waiters = 0;
    },
    availability: (unavailable) => events.push(`availability ${unavailable}`),
    late: (resource) => events.push(`late ${resource}`),
  };
  const creator = new Creator<number>({ create, ...(classify ? { classifyCreateError: classify } : {}) }, resolveOptions({ ...options, min: want.min ?? 0 }), host);
  return { creator, events, state };
}

describe('Creator', () => {
  it('healthy: starts up to maxConcurrentCreates for uncovered waiters, no more', async () => {
    let n = 0;
    const { creator, events } = setup({ maxConcurrentCreates: 2 }, () => Promise.resolve(++n), { waiters: 5 });
    creator.fill();
    expect(creator.creating).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.filter((e) => e.startsWith('created'))).toHaveLength(5);
    expect(creator.creating).toBe(0);
  });

  it('after a failure: one probe at a time, the next after probeDelayMs while callers wait', async () => {
    const startedAt: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const { creator } = setup({ maxConcurrentCreates: 4, retry: { probeDelayMs: 30 } }, async () => {
      startedAt.push(performance.now());
      peak = Math.max(peak, ++inFlight);
      await Promise.resolve();
      inFlight--;
      throw new Error('refused');
    }, { waiters: 10 });
    creator.fill();
    await vi.advanceTimersByTimeAsync(200);
    expect(startedAt.slice(0, 4)).toEqual([0, 0, 0, 0]); // round 1
    const probes = startedAt.slice(4);
    expect(probes.length).toBeGreaterThanOrEqual(5);
    probes.forEach((at, i) => expect(Math.round(at - (i === 0 ? 0 : probes[i - 1]!))).toBe(30));
    expect(creator.failedRounds).toBe(1 + probes.length);
    expect(peak).toBe(4); // the first round only; then 1
  });

  it('a permanent error is reported with reject, refuses callers within the window, and does not retry by itself', async () => {
    const error = new Error('bad password');
    const { creator, events } = setup({ retry: { minDelayMs: 100, maxDelayMs: 1_000 } }, () => Promise.reject(error), { waiters: 1, min: 1 }, () => 'permanent');
    creator.fill();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['failed POOL_CREATE_FAILED reject']);
    expect(creator.refusal(30_000)).toMatchObject({ code: 'POOL_CREATE_FAILED', permanent: true, cause: error });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toHaveLength(1); // min is short, yet no background retry after a permanent error
    expect(creator.refusal(30_000)).toBeUndefined(); // past the window: the caller may wait for a new attempt
  });

  it('the breaker opens only once the outage outlasted acquireTimeoutMs, refuses only callers it outlasted, and closes on success', async () => {
    let down = true;
    const { creator, events } = setup({ acquireTimeoutMs: 500, failFast: { afterFailures: 2 }, retry: { minDelayMs: 10, maxDelayMs: 10 } },
      () => (down ? Promise.reject(new Error('refused')) : Promise.resolve(1)), { min: 1 });
    creator.fill();
    await vi.advanceTimersByTimeAsync(300);
    expect(creator.refusal(200)).toBeUndefined(); // rounds enough, outage (300 ms) not yet past acquireTimeoutMs
    await vi.advanceTimersByTimeAsync(300);
    expect(creator.refusal(60_000)).toBeUndefined(); // open, but this caller may wait longer than the outage
    expect(creator.unavailable).toBe(true);
    expect(creator.refusal(500)).toMatchObject({ code: 'POOL_UNAVAILABLE' });
    down = false;
    await vi.advanceTimersByTimeAsync(20);
    expect(creator.unavailable).toBe(false);
    expect(events.filter((e) => e.startsWith('availability'))).toEqual(['availability true', 'availability false']);
  });

  it('close aborts creates in flight; a late resource goes to the host to destroy', async () => {
    let finish: (value: number) => void = () => {};
    const signals: AbortSignal[] = [];
    const { creator, events } = setup({}, ({ signal }) => {
      signals.push(signal);
      return new Promise<number>((resolve) => { finish = resolve; });
    }, { waiters: 1 });
    creator.fill();
    creator.close(new Error('closed'));
    expect(signals[0]!.aborted).toBe(true);
    expect(creator.creating).toBe(0);
    finish(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['late 7']);
  });
});
