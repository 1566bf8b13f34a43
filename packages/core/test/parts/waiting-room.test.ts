import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PoolError } from '../../src/errors.js';
import type { PoolTotals } from '../../src/stats.js';
import type { Lease } from '../../src/lease.js';
import { WaitingRoom } from '../../src/waiting-room.js';

// The WaitingRoom alone: order, deadlines with one timer (plain callers and Waiters), aborts.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function room() {
  const totals = { timeouts: 0, aborted: 0 } as PoolTotals;
  const expired: number[] = [];
  const r = new WaitingRoom<string>('room', 1_000, totals, (enqueuedAt, deadline, _mark, t) => {
    expired.push(Math.round(t));
    return new PoolError('POOL_TIMEOUT', `expired after ${deadline - enqueuedAt}`);
  });
  let n = 0;
  const enter = (timeoutMs = 1_000, priority = 0, signal?: AbortSignal) => {
    const id = `caller ${++n}`;
    const outcome = r.enter(timeoutMs, priority, signal, undefined, 0).then((lease) => `${id} got ${String(lease)}`, (error: PoolError) => error.message);
    return { id, outcome };
  };
  /** Serves the next caller in line with a lease named `name`; returns what that caller got. */
  const serveNext = (name: string): Promise<string> | undefined => {
    const ticket = r.next();
    if (ticket === undefined) return undefined;
    r.serve(ticket, name as unknown as Lease<string>);
    return Promise.resolve(name);
  };
  return { r, totals, expired, enter, serveNext };
}

describe('WaitingRoom', () => {
  it('serves the highest priority first, FIFO within one', async () => {
    const { r, enter, serveNext } = room();
    const a = enter(), b = enter(1_000, 5), c = enter();
    serveNext('first');
    serveNext('second');
    serveNext('third');
    expect(serveNext('fourth')).toBeUndefined();
    expect(await Promise.all([a.outcome, b.outcome, c.outcome])).toEqual(['caller 1 got second', 'caller 2 got first', 'caller 3 got third']);
    expect(r.length).toBe(0);
  });

  it('every waiter settles by its own deadline, with one timer for all, never early', async () => {
    const { r, enter, expired, totals } = room();
    const long = enter(); // 1,000 ms, the pool's: a plain caller
    const short = enter(300); // its own timeout, earlier: a Waiter
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

  it('the timer stops once no caller waits, for plain callers and Waiters alike', async () => {
    const { enter, serveNext } = room();
    const plain = enter();
    const own = enter(500, 2);
    expect(vi.getTimerCount()).toBe(1);
    serveNext('a');
    expect(vi.getTimerCount()).toBe(1);
    serveNext('b');
    expect(vi.getTimerCount()).toBe(0);
    expect(await Promise.all([own.outcome, plain.outcome])).toEqual(['caller 2 got a', 'caller 1 got b']);
  });

  it('plain callers time out in line order, each after its own full timeout, behind a Waiter that waits longer', async () => {
    const { r, enter, expired } = room();
    const patient = enter(5_000); // a Waiter at the front of line
    await vi.advanceTimersByTimeAsync(100);
    const first = enter();
    await vi.advanceTimersByTimeAsync(100);
    const second = enter();
    await vi.advanceTimersByTimeAsync(899);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await first.outcome).toBe('expired after 1000');
    expect(r.length).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(await second.outcome).toBe('expired after 1000');
    expect(expired).toEqual([1_100, 1_200]);
    r.serve(r.next()!, 'x' as unknown as Lease<string>);
    expect(await patient.outcome).toBe('caller 1 got x');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a held caller (its resource being validated) keeps its deadline; requeued, it is served first', async () => {
    const { r, enter, serveNext } = room();
    const a = enter();
    const b = enter();
    const held = r.hold(r.next()!);
    await vi.advanceTimersByTimeAsync(500);
    r.requeue(held);
    serveNext('again');
    expect(await a.outcome).toBe('caller 1 got again');
    await vi.advanceTimersByTimeAsync(500);
    expect(await b.outcome).toBe('expired after 1000');
  });

  it('an aborted waiter leaves the queue at once with POOL_ABORTED; a requeued one keeps its place', async () => {
    const { r, enter, totals, serveNext } = room();
    const controller = new AbortController();
    const first = enter();
    const aborted = enter(1_000, 0, controller.signal);
    controller.abort();
    expect(await aborted.outcome).toMatch(/acquire aborted/);
    expect(totals.aborted).toBe(1);
    expect(r.length).toBe(1);
    r.requeue(r.next()!);
    serveNext('kept');
    expect(await first.outcome).toBe('caller 1 got kept');
  });

  it('failAll rejects every queued waiter', async () => {
    const { r, enter } = room();
    const all = [enter(), enter(50, 3)];
    expect(r.failAll(new PoolError('POOL_CLOSED', 'closed'))).toBe(2);
    expect(await Promise.all(all.map((w) => w.outcome))).toEqual(['closed', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
