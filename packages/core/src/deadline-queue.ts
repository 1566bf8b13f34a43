import { DeadlineHeap, type HasDeadline } from './deadline-heap.js';
import { Ring } from './ring.js';

/** What the queue needs of an entry. */
export interface Expiring extends HasDeadline {
  /** Set by the owner before calling `remove`. */
  readonly settled: boolean;
}

/** Where implicit entries wait, in the order they were tracked (the waiter queue's priority-0 FIFO). */
export interface ImplicitSource<T> {
  /** The first entry still waiting for which `match` holds, or undefined. */
  firstDefault(match: (entry: T) => boolean): T | undefined;
}

/** `heapIndex` value of an entry kept in the ring rather than the heap. */
const IN_RING = -2;
/** `heapIndex` value of an entry tracked by its place in the waiter queue: no copy kept here. */
const IMPLICIT = -3;

const isImplicit = (entry: HasDeadline): boolean => entry.heapIndex === IMPLICIT;

/**
 * The earliest deadline among waiting callers, so the pool can run ONE timer for all of them.
 *
 * Most callers wait with the pool's own timeout at priority 0: they join the waiter queue's FIFO in
 * deadline order, so that queue already orders their deadlines and nothing is stored here for them
 * (`trackImplicit`): no second copy of 100,000 waiters for the garbage collector, no second queue to
 * maintain on every acquire. The rest go to a FIFO ring when their deadline is no earlier than the
 * ring's last, else to a binary heap. An implicit entry that leaves the waiter queue still waiting
 * (to have its resource validated first) is tracked explicitly from then on (`makeExplicit`).
 *
 * Finding the earliest implicit entry walks the FIFO from its front past live explicit entries (a
 * caller with its own timeout, which the ring or heap tracks); that happens only when the timer
 * fires or a waiter settles with the timer aimed at it, and the walk is as long as the run of such
 * callers queued ahead of the oldest default one, usually none.
 */
export class DeadlineQueue<T extends Expiring> {
  private readonly ring = new Ring<T>();
  private readonly heap = new DeadlineHeap<T>();
  private live = 0;
  private implicit = 0;

  constructor(private readonly source: ImplicitSource<T>) {}

  get size(): number {
    return this.live + this.implicit;
  }

  /**
   * Tracks an entry by its place in the waiter queue's priority-0 FIFO, which it must join right
   * after. Its deadline must be no earlier than that of any implicit entry tracked before it.
   */
  trackImplicit(entry: T): void {
    entry.heapIndex = IMPLICIT;
    this.implicit++;
  }

  /** Tracks an implicit entry explicitly: call before it leaves the waiter queue still waiting. */
  makeExplicit(entry: T): void {
    if (entry.heapIndex !== IMPLICIT) return;
    this.implicit--;
    entry.heapIndex = -1;
    this.push(entry);
  }

  push(entry: T): void {
    this.live++;
    const ring = this.ring;
    const last = ring.at(ring.length - 1);
    if (last === undefined || entry.deadline >= last.deadline) {
      entry.heapIndex = IN_RING;
      ring.push(entry);
    } else {
      this.heap.push(entry);
    }
  }

  /** Removes an entry whose `settled` is already true. */
  remove(entry: T): void {
    const index = entry.heapIndex;
    if (index === -1) return;
    if (index === IMPLICIT) {
      entry.heapIndex = -1;
      this.implicit--;
      return;
    }
    this.live--;
    if (index !== IN_RING) {
      this.heap.remove(entry);
      return;
    }
    entry.heapIndex = -1;
    const ring = this.ring;
    if (this.live === 0 && this.heap.size === 0) {
      while (ring.length > 0) ring.pop();
      ring.shrink();
      return;
    }
    for (let front = ring.at(0); front !== undefined && front.settled; front = ring.at(0)) ring.shift();
  }

  /** The live entry with the earliest deadline. */
  peek(): T | undefined {
    let best = this.heap.peek();
    const front = this.ring.at(0);
    if (front !== undefined && (best === undefined || front.deadline <= best.deadline)) best = front;
    if (this.implicit > 0) {
      const oldest = this.source.firstDefault(isImplicit);
      if (oldest !== undefined && (best === undefined || oldest.deadline <= best.deadline)) best = oldest;
    }
    return best;
  }
}
