import { DeadlineHeap, type HasDeadline } from './deadline-heap.js';
import { Ring } from './ring.js';

/** What the queue needs of an entry. */
export interface Expiring extends HasDeadline {
  /** Set by the owner before calling `remove`. */
  readonly settled: boolean;
}

/** `heapIndex` value of an entry kept in the ring rather than the heap. */
const IN_RING = -2;

/**
 * The earliest deadline among waiting callers, so the pool can run ONE timer for all of them.
 *
 * Callers that share a timeout arrive in deadline order, so they go to a FIFO ring: O(1) in and out,
 * no pointer-chasing through a heap of 100,000 waiters. A deadline earlier than the ring's last (a
 * shorter per-acquire timeout) goes to a binary heap instead. Entries served out of order stay in the
 * ring, marked settled, until they reach its front; they are bounded by the timeout itself.
 */
export class DeadlineQueue<T extends Expiring> {
  private readonly ring = new Ring<T>();
  private readonly heap = new DeadlineHeap<T>();
  private live = 0;

  get size(): number {
    return this.live;
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
    if (entry.heapIndex === -1) return;
    this.live--;
    if (entry.heapIndex === IN_RING) {
      entry.heapIndex = -1;
      const ring = this.ring;
      if (this.live === 0 && this.heap.size === 0) {
        while (ring.length > 0) ring.pop();
        ring.shrink();
        return;
      }
      for (let front = ring.at(0); front !== undefined && front.settled; front = ring.at(0)) ring.shift();
    } else {
      this.heap.remove(entry);
    }
  }

  /** The live entry with the earliest deadline. */
  peek(): T | undefined {
    const front = this.ring.at(0);
    const top = this.heap.peek();
    if (front === undefined) return top;
    if (top === undefined) return front;
    return top.deadline < front.deadline ? top : front;
  }
}
