import { describe, expect, it } from 'vitest';
import { Waiter, type Resolve } from '../../src/waiter.js';
import { WaiterLine, type Ticket } from '../../src/waiter-line.js';

// The WaiterLine alone: FIFO across block boundaries, priorities, dead entries, compaction.

const plain = (id: number): Resolve<string> => Object.assign(() => {}, { id }) as unknown as Resolve<string>;
const idOf = (ticket: Ticket<string> | undefined): unknown => (ticket === undefined ? undefined : typeof ticket === 'function' ? (ticket as unknown as { id: number }).id : `waiter ${ticket.mark}`);
const waiter = (mark: number, priority = 0): Waiter<string> => {
  const w = new Waiter<string>(() => {}, mark, Infinity, mark, priority, undefined, undefined);
  w.queued = true;
  return w;
};

function drainIds(line: WaiterLine<string>): unknown[] {
  const out: unknown[] = [];
  for (let t = line.shift(); t !== undefined; t = line.shift()) out.push([idOf(t), line.at, line.mark]);
  return out;
}

describe('WaiterLine', () => {
  it('keeps FIFO order, enqueue times and marks across many blocks (5,000 callers)', () => {
    const line = new WaiterLine<string>();
    for (let i = 0; i < 5_000; i++) line.push(plain(i), 0, 1_000 + i, i % 7);
    expect(line.live).toBe(5_000);
    const out = drainIds(line);
    expect(out).toHaveLength(5_000);
    expect(out[0]).toEqual([0, 1_000, 0]);
    expect(out[4_999]).toEqual([4_999, 5_999, 4_999 % 7]);
    expect(out.every((entry, i) => (entry as number[])[0] === i)).toBe(true);
    expect(line.live).toBe(0);
    expect(line.shift()).toBeUndefined();
  });

  it('serves higher priorities first; pushFront puts a caller back ahead of its own priority only', () => {
    const line = new WaiterLine<string>();
    line.push(plain(1), 0, 10, 0);
    line.push(waiter(2, 5), 5, 20, 2);
    line.push(plain(3), 0, 30, 0);
    expect(idOf(line.shift())).toBe('waiter 2');
    const first = line.shift();
    expect(idOf(first)).toBe(1);
    line.pushFront(first as Ticket<string>, 0, line.at, line.mark);
    line.push(waiter(4, -1), -1, 40, 4);
    expect(drainIds(line)).toEqual([[1, 10, 0], [3, 30, 0], ['waiter 4', 40, 4]]);
  });

  it('pushFront works at a block boundary and on a fresh line', () => {
    const line = new WaiterLine<string>();
    line.pushFront(plain(0), 0, 5, 0);
    for (let i = 1; i <= 1_024; i++) line.push(plain(i), 0, 5 + i, 0);
    for (let i = 0; i < 1_024; i++) line.shift();
    const taken = line.shift();
    expect(idOf(taken)).toBe(1_024);
    line.pushFront(taken as Ticket<string>, 0, line.at, line.mark);
    expect(drainIds(line)).toEqual([[1_024, 1_029, 0]]);
  });

  it('skips removed Waiters and timed-out plain callers; compacts once the dead outnumber the live', () => {
    const line = new WaiterLine<string>();
    const waiters = Array.from({ length: 300 }, (_, i) => waiter(i));
    for (const w of waiters) line.push(w, 0, w.mark, w.mark);
    line.push(plain(1_000), 0, 1_000, 1_000);
    for (const w of waiters.slice(0, 299)) line.remove(w); // compaction runs on the way
    expect(line.live).toBe(2);
    const place = line.firstPlain();
    expect(place).toBeDefined();
    expect(line.at).toBe(1_000);
    expect(idOf(line.takePlain(place!) as Ticket<string>)).toBe(1_000);
    expect(line.firstPlain()).toBeUndefined();
    expect(drainIds(line)).toEqual([['waiter 299', 299, 299]]);
  });

  it('firstPlain finds the first plain caller behind live Waiters, and shift empties the line in order', () => {
    const line = new WaiterLine<string>();
    line.push(waiter(1), 0, 1, 1);
    line.push(plain(2), 0, 2, 2);
    line.push(plain(3), 0, 3, 3);
    expect(line.firstPlain()).toBeDefined();
    expect([line.at, line.mark]).toEqual([2, 2]);
    expect([line.shift(), line.shift(), line.shift()].map(idOf)).toEqual(['waiter 1', 2, 3]);
    expect(line.live).toBe(0);
  });
});
