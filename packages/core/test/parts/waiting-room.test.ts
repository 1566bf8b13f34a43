import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PoolError } from '../../src/errors.js';
import type { PoolTotals } from '../../src/stats.js';
import { WaitingRoom } from '../../src/waiting-room.js';
import { takePromise } from '../../src/waiter.js';

// The WaitingRoom alone: order, deadlines with one timer, aborts.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function room() {
  const totals = { timeouts: 0, aborted: 0 } as PoolTotals;
  const expired: number[] = [];
  const r = new WaitingRoom<string>('room', 1_000, totals, (waiter, t) => {
    expired.push(Math.round(t));
    return new PoolError('POOL_TIMEOUT', `expired after ${waiter.deadline - waiter.enqueuedAt}`);
  });
  const enter = (timeoutMs = 1_000, priority = 0, signal?: AbortSignal) => {
    const waiter = r.enter(timeoutMs, priority, signal, undefined, 0, true);
    const outcome = takePromise<string>().then((lease) => `lease ${String(lease)}`, (error: PoolError) => error.message);
    return { waiter, outcome };
  };
  return { r, totals, expired, enter };
}

describe('WaitingRoom', () => {
  it('serves the highest priority first, FIFO within one', () => {
    const { r, enter } = room();
    const a = enter(), b = enter(1_000, 5), c = enter();
    expect([r.next(), r.next(), r.next(), r.next()]).toEqual([b.waiter, a.waiter, c.waiter, undefined]);
  });

  it('every waiter settles by its own deadline, with one timer for all, never early', async () => {
    const { r, enter, expired, totals } = room();
    const long = enter(); // 1,000 ms, implicit
    const short = enter(300); // explicit, earlier
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(299);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await short.outcome).toBe('expired after 300');
    await vi.advanceTimersByTimeAsync(700);
    expect(await long.outcome).toBe('expired after 1000');
    expect(totals.timeouts).toBe(2);
    expect(r.length).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a settled waiter leaves the deadlines: the timer stops with the last one', () => {
    const { r, enter } = room();
    const { waiter } = enter();
    expect(r.next()).toBe(waiter);
    r.settle(waiter);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an aborted waiter leaves the queue at once with POOL_ABORTED; a requeued one keeps its place', async () => {
    const { r, enter, totals } = room();
    const controller = new AbortController();
    const first = enter();
    const aborted = enter(1_000, 0, controller.signal);
    controller.abort();
    expect(await aborted.outcome).toMatch(/acquire aborted/);
    expect(totals.aborted).toBe(1);
    expect(r.length).toBe(1);
    const taken = r.next()!;
    expect(taken).toBe(first.waiter);
    r.requeue(taken);
    expect(r.next()).toBe(first.waiter);
  });

  it('failAll rejects every queued waiter', async () => {
    const { r, enter } = room();
    const all = [enter(), enter(50, 3)];
    expect(r.failAll(new PoolError('POOL_CLOSED', 'closed'))).toBe(2);
    expect(await Promise.all(all.map((w) => w.outcome))).toEqual(['closed', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
