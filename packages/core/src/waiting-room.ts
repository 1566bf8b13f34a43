import { unwatchAbort, watchAbort } from './abort-watch.js';
import { coarseNow, now } from './clock.js';
import { DeadlineQueue } from './deadline-queue.js';
import { PoolError } from './errors.js';
import type { PoolTotals } from './stats.js';
import { WaiterQueue } from './waiter-queue.js';
import { Waiter, type WaiterExtras } from './waiter.js';

/**
 * The callers waiting for a resource: the queue (highest priority first, FIFO within one), their
 * deadlines with ONE timer aimed at the earliest (ref'd: a waiting caller keeps the process alive
 * until its deadline), and their abort signals. Every waiter settles by its deadline: enforced here.
 */
export class WaitingRoom<R> {
  private readonly queue = new WaiterQueue<Waiter<R>>();
  private readonly deadlines = new DeadlineQueue<Waiter<R>>(this.queue);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly pool: string,
    /** The pool's `acquireTimeoutMs`. */
    private readonly defaultTimeoutMs: number,
    private readonly totals: PoolTotals,
    /** The error for a waiter whose deadline passed at `t` (already out of the queue). */
    private readonly expired: (waiter: Waiter<R>, t: number) => unknown,
  ) {}

  /** Callers in the queue (not those whose resource is being validated). */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Starts a caller's wait and returns its waiter (take its promise with `takePromise`). `queued`: it
   * joins the queue (else its resource is being validated). `mark`: the creator's outcome count.
   */
  enter(timeoutMs: number, priority: number, signal: AbortSignal | undefined, stack: string | undefined, mark: number, queued: boolean): Waiter<R> {
    // a deadline is measured from an exact reading: a stale coarse start would make it early
    const t = timeoutMs === Infinity ? coarseNow() : Math.ceil(now());
    const extras: WaiterExtras | undefined = priority === 0 && signal === undefined && stack === undefined
      ? undefined
      : { priority, signal, listener: undefined, stack };
    const waiter = new Waiter<R>(t, t + timeoutMs, mark, extras);
    if (waiter.deadline !== Infinity) {
      // with the pool's own timeout at priority 0, its place in the queue orders its deadline
      if (queued && priority === 0 && timeoutMs === this.defaultTimeoutMs) this.deadlines.trackImplicit(waiter);
      else this.deadlines.push(waiter);
      if (waiter.deadline < this.timerAt) this.arm(waiter.deadline);
    }
    if (extras !== undefined && signal !== undefined) {
      const listener = (): void => {
        if (waiter.settled) return;
        this.totals.aborted++;
        this.fail(waiter, new PoolError('POOL_ABORTED', `acquire aborted after ${Math.round(waiter.waitedUntil(now()))} ms`, { cause: signal.reason, pool: this.pool }));
      };
      extras.listener = listener;
      watchAbort(signal, listener);
    }
    if (queued) this.queue.push(waiter);
    return waiter;
  }

  /** The next caller to serve, out of the queue (still waiting: settle or requeue it). */
  next(): Waiter<R> | undefined {
    return this.queue.shift();
  }

  /** Keeps a caller waiting outside the queue (its resource is being validated). */
  hold(waiter: Waiter<R>): void {
    this.deadlines.makeExplicit(waiter);
  }

  /** Puts a waiting caller back at the front of its priority: it keeps its place and its deadline. */
  requeue(waiter: Waiter<R>): void {
    this.deadlines.makeExplicit(waiter);
    this.queue.pushFront(waiter);
  }

  /** Ends a caller's wait (it is about to be resolved): out of the deadlines, abort listener off. */
  settle(waiter: Waiter<R>): void {
    waiter.markSettled();
    if (waiter.heapIndex !== -1) {
      this.deadlines.remove(waiter);
      if (this.deadlines.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.timerAt = Infinity;
      }
    }
    const extras = waiter.extras;
    if (extras !== undefined && extras.signal !== undefined && extras.listener !== undefined) unwatchAbort(extras.signal, extras.listener);
  }

  fail(waiter: Waiter<R>, error: unknown): void {
    if (waiter.settled) return;
    this.queue.remove(waiter);
    this.settle(waiter);
    waiter.reject(error);
  }

  /** Rejects every queued caller with `error`; returns how many. */
  failAll(error: unknown): number {
    const all = this.queue.drain();
    for (const waiter of all) this.fail(waiter, error);
    return all.length;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(at - now())));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const t = now();
    // a timer can fire a fraction of a millisecond early: a waiter not yet due stays, and the timer is
    // re-armed for it, so no caller is failed before its full timeout
    for (let waiter = this.deadlines.peek(); waiter !== undefined && waiter.deadline <= t; waiter = this.deadlines.peek()) {
      this.totals.timeouts++;
      this.queue.remove(waiter); // first, so the message counts the others
      this.fail(waiter, this.expired(waiter, t));
    }
    const next = this.deadlines.peek();
    if (next !== undefined) this.arm(next.deadline);
  };
}
