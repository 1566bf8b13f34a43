import { Ring } from './ring.js';

/** What the queue needs of an entry. */
export interface Queued {
  readonly priority: number;
  /** True while the entry sits in the queue (set and cleared by the queue). */
  queued: boolean;
}

interface Level<W> {
  readonly priority: number;
  readonly ring: Ring<W>;
}

/**
 * Waiting callers, served highest priority first and first-in first-out within a priority.
 *
 * Removing an aborted or timed-out waiter from the middle of a ring would be O(n), so `remove` only
 * marks it (`queued = false`) and counts it dead; `shift` skips dead entries, and the rings are
 * compacted once dead entries outnumber live ones, so memory stays bounded by the live count.
 */
export class WaiterQueue<W extends Queued> {
  // sorted by descending priority; almost always a single level
  private readonly levels: Level<W>[] = [];
  private live = 0;
  private dead = 0;

  get length(): number {
    return this.live;
  }

  push(waiter: W): void {
    this.level(waiter.priority).ring.push(waiter);
    waiter.queued = true;
    this.live++;
  }

  /** Puts a waiter back at the front of its priority (it keeps its place after a failed validation). */
  pushFront(waiter: W): void {
    this.level(waiter.priority).ring.unshift(waiter);
    waiter.queued = true;
    this.live++;
  }

  shift(): W | undefined {
    // the empty check alone, so it is all that is inlined into every release (the hot path)
    return this.live === 0 ? undefined : this.shiftLive();
  }

  private shiftLive(): W | undefined {
    const levels = this.levels;
    for (let i = 0; i < levels.length; i++) {
      const ring = (levels[i] as Level<W>).ring;
      while (ring.length > 0) {
        const waiter = ring.shift() as W;
        if (waiter.queued) {
          waiter.queued = false;
          if (--this.live === 0) this.shrink();
          return waiter;
        }
        this.dead--;
      }
    }
    return undefined;
  }

  /**
   * The first waiter of priority 0, in serving order, for which `match` holds. Dead entries met at
   * that level's front are dropped on the way, so repeated calls do not walk them again.
   */
  firstDefault(match: (waiter: W) => boolean): W | undefined {
    const level = this.defaultLevel();
    if (level === undefined) return undefined;
    const ring = level.ring;
    for (let front = ring.at(0); front !== undefined && !front.queued; front = ring.at(0)) {
      ring.shift();
      this.dead--;
    }
    for (let i = 0; i < ring.length; i++) {
      const waiter = ring.at(i) as W;
      if (waiter.queued && match(waiter)) return waiter;
    }
    return undefined;
  }

  /** Takes a queued waiter out (abort, timeout). */
  remove(waiter: W): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    this.dead++;
    if (--this.live === 0) this.shrink();
    else if (this.dead > 64 && this.dead > this.live) this.compact();
  }

  /** Removes and returns every live waiter, in serving order. */
  drain(): W[] {
    const out: W[] = [];
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) out.push(waiter);
    this.levels.length = 0;
    this.dead = 0;
    return out;
  }

  /** After a burst: drop the dead entries and the grown rings. */
  private shrink(): void {
    for (const level of this.levels) {
      while (level.ring.length > 0) level.ring.pop();
      level.ring.shrink();
    }
    this.dead = 0;
  }

  private compact(): void {
    for (const level of this.levels) level.ring.retain((waiter) => waiter.queued);
    this.dead = 0;
  }

  private defaultLevel(): Level<W> | undefined {
    const levels = this.levels;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as Level<W>;
      if (level.priority === 0) return level;
      if (level.priority < 0) return undefined;
    }
    return undefined;
  }

  private level(priority: number): Level<W> {
    const levels = this.levels;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as Level<W>;
      if (level.priority === priority) return level;
      if (level.priority < priority) {
        const inserted = { priority, ring: new Ring<W>() };
        levels.splice(i, 0, inserted);
        return inserted;
      }
    }
    const appended = { priority, ring: new Ring<W>() };
    levels.push(appended);
    return appended;
  }
}
