import { Waiter, type Resolve } from './waiter.js';

/** A caller in line: a plain caller's resolve function, or a {@link Waiter}. */
export type Ticket<R> = Resolve<R> | Waiter<R>;

/** Entries of a level's first block: a pool whose callers rarely wait keeps 768 bytes, not 24 KB. */
const FIRST_ENTRIES = 32;
const ENTRIES = 1_024;

/**
 * Entries of the line (32 in a first block, then 1,024), each three slots: ticket, enqueuedAt, mark. A line is a chain of
 * these rather than one array grown by copying: a 100,000-caller burst then costs ~6 ns per caller
 * to queue instead of ~300 (growing a large array copies it, in the large-object space).
 */
class Block {
  readonly items: unknown[];
  next: Block | undefined = undefined;

  constructor(entries: number) {
    this.items = new Array(entries * 3);
  }
}

/** One priority's FIFO: entries from (`first`, `head`) to (`last`, `tail`), slot indexes. */
class Level {
  first = new Block(FIRST_ENTRIES);
  last = this.first;
  head = 0;
  tail = 0;

  constructor(readonly priority: number) {}
}

function append(level: Level, ticket: unknown, at: number, mark: number): void {
  if (level.tail === level.last.items.length) {
    level.last = level.last.next = new Block(ENTRIES);
    level.tail = 0;
  }
  const items = level.last.items;
  const k = level.tail;
  items[k] = ticket;
  items[k + 1] = at;
  items[k + 2] = mark;
  level.tail = k + 3;
}

const isLive = (entry: unknown): boolean => typeof entry === 'function' || (entry instanceof Waiter && entry.queued);

/**
 * The waiting callers: highest priority first, FIFO within one. A plain caller (priority 0, the
 * pool's timeout, no signal, no stack) costs three slots and no object of its own: W1's 100,000
 * queued callers are bound by the garbage collector copying what they keep alive.
 *
 * A Waiter that leaves the middle (abort, timeout) is marked unqueued, and a plain caller that times
 * out behind others is overwritten with `undefined`: both stay as dead entries that `shift` skips,
 * compacted once they outnumber the live ones.
 */
export class WaiterLine<R> {
  // sorted by descending priority; almost always the single level 0
  private readonly levels: Level[] = [];
  private dead = 0;
  live = 0;
  /** The enqueue time and create mark of the entry `shift` or `firstPlain` found last (read them at once). */
  at = 0;
  mark = 0;

  push(ticket: Ticket<R>, priority: number, at: number, mark: number): void {
    append(this.level(priority), ticket, at, mark);
    this.live++;
  }

  /** Back at the front of its priority: it keeps its place (after a broken hand-off or a failed validation). */
  pushFront(ticket: Ticket<R>, priority: number, at: number, mark: number): void {
    const level = this.level(priority);
    if (level.head === 0) {
      const block = new Block(FIRST_ENTRIES);
      block.next = level.first;
      level.first = block;
      level.head = block.items.length;
    }
    const k = (level.head -= 3);
    const items = level.first.items;
    items[k] = ticket;
    items[k + 1] = at;
    items[k + 2] = mark;
    this.live++;
  }

  shift(): Ticket<R> | undefined {
    return this.live === 0 ? undefined : this.shiftLive();
  }

  private shiftLive(): Ticket<R> | undefined {
    for (const level of this.levels) {
      for (;;) {
        if (level.head === level.first.items.length) {
          if (level.first.next === undefined) break;
          level.first = level.first.next;
          level.head = 0;
        }
        if (level.first === level.last && level.head === level.tail) break;
        const items = level.first.items;
        const k = level.head;
        const entry = items[k];
        items[k] = undefined;
        level.head = k + 3;
        if (!isLive(entry)) {
          this.dead--;
          continue;
        }
        this.at = items[k + 1] as number;
        this.mark = items[k + 2] as number;
        if (entry instanceof Waiter) entry.queued = false;
        if (--this.live === 0) this.reset();
        return entry as Ticket<R>;
      }
    }
    return undefined;
  }

  /** Takes a queued Waiter out (abort, timeout, close). */
  remove(waiter: Waiter<R>): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    this.died();
  }

  /**
   * The first plain caller (their deadlines run in line order, so it has the earliest), or
   * undefined; `at`/`mark` then hold its enqueue time and mark. Take it out with `takePlain`.
   */
  firstPlain(): { items: unknown[]; k: number } | undefined {
    const level = this.zero();
    let found: { items: unknown[]; k: number } | undefined;
    if (level !== undefined) {
      this.dropDeadFront(level);
      this.each(level, (items, k) => {
        if (typeof items[k] !== 'function') return true;
        this.at = items[k + 1] as number;
        this.mark = items[k + 2] as number;
        found = { items, k };
        return false;
      });
    }
    return found;
  }

  /** Takes out the plain caller `firstPlain` found. */
  takePlain(place: { items: unknown[]; k: number }): Resolve<R> {
    const resolve = place.items[place.k] as Resolve<R>;
    place.items[place.k] = undefined;
    this.died();
    return resolve;
  }

  /** Takes a plain caller out by its resolve function (withdrawn while waiting); false when it is not in line. */
  withdraw(resolve: Resolve<R>): boolean {
    const level = this.zero();
    let found = false;
    if (level !== undefined) {
      this.each(level, (items, k) => {
        if (items[k] !== resolve) return true;
        items[k] = undefined;
        found = true;
        return false;
      });
    }
    if (found) this.died();
    return found;
  }

  /** Drops the dead entries at the front of `level` (a run of timed-out callers, say), so walks start at a live one. */
  private dropDeadFront(level: Level): void {
    for (;;) {
      if (level.head === level.first.items.length && level.first.next !== undefined) {
        level.first = level.first.next;
        level.head = 0;
      }
      if ((level.first === level.last && level.head === level.tail) || level.head === level.first.items.length) return;
      const items = level.first.items;
      if (isLive(items[level.head])) return;
      items[level.head] = undefined;
      level.head += 3;
      this.dead--;
    }
  }

  /** Calls `visit` with each entry of `level`, front first, while it returns true. */
  private each(level: Level, visit: (items: unknown[], k: number) => boolean): void {
    for (let block: Block | undefined = level.first, k = level.head; block !== undefined; block = block.next, k = 0) {
      const end = block === level.last ? level.tail : block.items.length;
      for (; k < end; k += 3) if (!visit(block.items, k)) return;
    }
  }

  private died(): void {
    this.dead++;
    if (--this.live === 0) this.reset();
    else if (this.dead > 64 && this.dead > this.live) this.compact();
  }

  /** Empty again: only dead entries are left; each level keeps one cleared block. */
  private reset(): void {
    for (const level of this.levels) {
      if (level.first !== level.last) level.first = level.last = new Block(FIRST_ENTRIES);
      else level.first.items.fill(undefined, level.head, level.tail);
      level.head = level.tail = 0;
    }
    this.dead = 0;
  }

  /** Rewrites every level with its live entries only. */
  private compact(): void {
    for (const level of this.levels) {
      const kept = new Level(level.priority);
      this.each(level, (items, k) => {
        if (isLive(items[k])) append(kept, items[k], items[k + 1] as number, items[k + 2] as number);
        return true;
      });
      level.first = kept.first;
      level.last = kept.last;
      level.head = 0;
      level.tail = kept.tail;
    }
    this.dead = 0;
  }

  private zero(): Level | undefined {
    for (const level of this.levels) if (level.priority <= 0) return level.priority === 0 ? level : undefined;
    return undefined;
  }

  private level(priority: number): Level {
    const levels = this.levels;
    let i = 0;
    while (i < levels.length && (levels[i] as Level).priority > priority) i++;
    if (i < levels.length && (levels[i] as Level).priority === priority) return levels[i] as Level;
    const level = new Level(priority);
    levels.splice(i, 0, level);
    return level;
  }
}
