import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PoolEmitter } from '../../src/events.js';
import { Keeper, type KeeperHost } from '../../src/keeper.js';
import type { LeaseOwner } from '../../src/lease.js';
import { resolveOptions, type PoolOptions } from '../../src/options.js';
import { Reporter } from '../../src/reporter.js';
import { Shelf } from '../../src/shelf.js';
import { Slot, SlotState } from '../../src/slot.js';
import type { PoolTotals } from '../../src/stats.js';

// The Keeper and the Shelf alone: one timer aimed at the next due time; what a sweep retires.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const owner = { name: 'parts' } as LeaseOwner<string>;

function setup(options: PoolOptions) {
  const opts = resolveOptions(options);
  const shelf = new Shelf<string>(true);
  const retired: string[] = [];
  const totals = { leaks: 0 } as PoolTotals;
  const live = new Set<Slot<string>>();
  const host: KeeperHost<string> = {
    size: () => live.size,
    takeAllIdle: () => shelf.takeAll(),
    restoreIdle: (slots) => { for (const slot of slots) shelf.put(slot); },
    slots: () => live,
    isBroken: () => false,
    retire: (slot, reason) => {
      retired.push(`${slot.resource}:${reason}`);
      shelf.discharge(slot);
      live.delete(slot);
    },
    validate: () => Promise.resolve(undefined),
    offer: (slot) => shelf.put(slot),
    dispatch: () => {},
  };
  const keeper = new Keeper<string>(opts, totals, new Reporter<string>('parts', undefined, new PoolEmitter<string>()), host);
  const add = (name: string, expiresAt = Infinity) => {
    const slot = new Slot<string>(owner, name, Math.ceil(performance.now()), expiresAt, 0);
    live.add(slot);
    shelf.admit(slot);
    shelf.put(slot);
    keeper.wakeBy(Math.min(slot.releasedAt + opts.idleTimeoutMs, expiresAt));
    return slot;
  };
  return { keeper, shelf, retired, add, totals };
}

describe('Shelf', () => {
  it('counts idle and busy and keeps slot states in step; LIFO reuses the warmest', () => {
    const shelf = new Shelf<string>(true);
    const a = new Slot<string>(owner, 'a', 0, Infinity, 0);
    const b = new Slot<string>(owner, 'b', 0, Infinity, 0);
    shelf.admit(a);
    shelf.admit(b);
    shelf.put(a);
    shelf.put(b);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([2, 0]);
    expect(shelf.take()).toBe(b);
    expect(b.state).toBe(SlotState.Busy);
    shelf.discharge(b);
    expect(b.state).toBe(SlotState.Dead);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([1, 0]);
  });

  it('busy is members minus idle through take, takeAll and put; FIFO lends the longest idle first', () => {
    const shelf = new Shelf<string>(false);
    const slots = ['a', 'b', 'c'].map((name) => new Slot<string>(owner, name, 0, Infinity, 0));
    for (const slot of slots) shelf.admit(slot);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([0, 3]);
    for (const slot of slots) shelf.put(slot);
    expect(shelf.take()).toBe(slots[0]);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([2, 1]);
    const rest = shelf.takeAll();
    expect(rest).toEqual([slots[1], slots[2]]);
    expect(rest.every((slot) => slot.state === SlotState.Busy)).toBe(true);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([0, 3]);
    shelf.discharge(slots[1] as Slot<string>);
    shelf.put(slots[2] as Slot<string>);
    expect([shelf.idleCount, shelf.borrowed]).toEqual([1, 1]);
  });
});

describe('Keeper', () => {
  it('one timer aimed at the next expiry: idle resources above min go, lifetime rotates, nothing early', async () => {
    const { keeper, retired, add } = setup({ idleTimeoutMs: 1_000, min: 1 });
    add('a', 600); // lifetime ends at 600
    add('b');
    add('c');
    expect(vi.getTimerCount()).toBe(1);
    expect(keeper.wakeAt).toBe(600);
    await vi.advanceTimersByTimeAsync(599);
    expect(retired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(retired).toEqual(['a:lifetime']);
    await vi.advanceTimersByTimeAsync(400);
    expect(retired).toEqual(['a:lifetime', 'b:idle']); // oldest released first; c stays for min
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() clears the timer; wakeBy after stop does nothing', () => {
    const { keeper, add } = setup({ idleTimeoutMs: 1_000 });
    add('a');
    keeper.stop();
    keeper.wakeBy(10);
    expect(vi.getTimerCount()).toBe(0);
  });
});
