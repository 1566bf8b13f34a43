import { unwatchAbort, watchAbort } from './abort-watch.js';
import { Alarm } from './alarm.js';
import { coarseNow, now } from './clock.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { Lease } from './lease.js';
import { PoolError } from './errors.js';
import type { PoolTotals } from './stats.js';
import { newPromise, takePromise, Waiter, type Resolve } from './waiter.js';
import { WaiterLine, type Ticket } from './waiter-line.js';

export type { Ticket } from './waiter-line.js';

/** Where an acquire that had to wait records its place in line, so it can be withdrawn (`Pool.withdraw`). */
export interface WaitPlace {
  ticket: unknown;
}

/** The error for a caller whose deadline passed at `t` (already out of line). */
export type Expired = (enqueuedAt: number, deadline: number, mark: number, t: number) => unknown;

/**
 * The callers waiting for a resource: the line (waiter-line.ts), their deadlines with ONE timer aimed
 * at the earliest (ref'd: a waiting caller keeps the process alive until its deadline), their abort
 * signals. Every caller settles by its deadline, never before: enforced here.
 *
 * Plain callers' deadlines follow their order in line, so only the first needs looking at; a
 * {@link Waiter} with a deadline sits in a heap as well. A caller taken out of line by `next` is
 * served (`serve`), put back (`requeue`) or held for a validation (`hold`) before anything else runs.
 */
export class WaitingRoom<R> {
  private readonly line = new WaiterLine<R>();
  private readonly heap = new DeadlineHeap<Waiter<R>>();
  /** Ref'd: a waiting caller keeps the process alive until its deadline. */
  private readonly alarm = new Alarm(() => this.onTimer(), false);
  /** Plain callers turned into Waiters by `hold`, by their resolve function (what their WaitPlace recorded). */
  private readonly heldPlain = new Map<Resolve<R>, Waiter<R>>();

  constructor(
    private readonly pool: string,
    /** The pool's `acquireTimeoutMs`: a plain caller's timeout. */
    private readonly timeoutMs: number,
    private readonly totals: PoolTotals,
    private readonly expired: Expired,
  ) {}

  /** Callers in line (not those held for a validation). */
  get length(): number {
    return this.line.live;
  }

  /** A caller joins the line; returns its promise. `mark`: the creator's outcome count; `place` learns its ticket. */
  enter(timeoutMs: number, priority: number, signal: AbortSignal | undefined, stack: string | undefined, mark: number, place?: WaitPlace): Promise<Lease<R>> {
    // a deadline is measured from an exact reading: a stale coarse one would make it early
    const t = timeoutMs === Infinity ? coarseNow() : Math.ceil(now());
    const resolve = newPromise<R>();
    if (priority === 0 && timeoutMs === this.timeoutMs && signal === undefined && stack === undefined) {
      this.line.push(resolve, 0, t, mark);
      if (t + timeoutMs < this.alarm.at) this.alarm.setBy(t + timeoutMs);
      if (place !== undefined) place.ticket = resolve;
    } else {
      const waiter = this.track(new Waiter<R>(resolve, t, t + timeoutMs, mark, priority, signal, stack));
      waiter.queued = true;
      this.line.push(waiter, priority, t, mark);
      if (place !== undefined) place.ticket = waiter;
    }
    return takePromise<R>();
  }

  /** A caller that waits outside the line while its resource is validated (push it back with `requeue`). */
  enterHeld(timeoutMs: number, signal: AbortSignal | undefined, stack: string | undefined, mark: number, place?: WaitPlace): { waiter: Waiter<R>; promise: Promise<Lease<R>> } {
    const t = Math.ceil(now());
    const waiter = this.track(new Waiter<R>(newPromise<R>(), t, t + timeoutMs, mark, 0, signal, stack));
    if (place !== undefined) place.ticket = waiter;
    return { waiter, promise: takePromise<R>() };
  }

  /** The next caller to serve, out of line: serve, requeue or hold it before anything else runs. */
  next(): Ticket<R> | undefined {
    if (this.line.live === 0) return undefined; // all a release with no one waiting pays
    const ticket = this.line.shift();
    if (this.line.live === 0 && this.heap.size === 0 && this.alarm.at !== Infinity) this.alarm.stop();
    return ticket;
  }

  /** When `ticket` (just taken by `next`, or a Waiter) started waiting. */
  enqueuedAt(ticket: Ticket<R>): number {
    return typeof ticket === 'function' ? this.line.at : ticket.enqueuedAt;
  }

  /** The caller's leak-detection stack, if kept. */
  stackOf(ticket: Ticket<R>): string | undefined {
    return typeof ticket === 'function' ? undefined : ticket.stack;
  }

  /** Settles a caller taken out of line with its lease. */
  serve(ticket: Ticket<R>, lease: Lease<R>): void {
    if (typeof ticket === 'function') ticket(lease);
    else {
      this.settle(ticket);
      ticket.resolve(lease);
    }
  }

  /** Keeps a caller just taken by `next` waiting while its resource is validated; returns it as a Waiter. */
  hold(ticket: Ticket<R>): Waiter<R> {
    if (typeof ticket !== 'function') return ticket;
    const at = this.line.at;
    const waiter = this.track(new Waiter<R>(ticket, at, at + this.timeoutMs, this.line.mark, 0, undefined, undefined));
    this.heldPlain.set(ticket, waiter); // a place that recorded the plain caller still finds it (withdraw)
    return waiter;
  }

  /** Puts a caller back at the front of its priority: it keeps its place and its deadline. */
  requeue(ticket: Ticket<R>): void {
    if (typeof ticket === 'function') {
      const at = this.line.at;
      this.line.pushFront(ticket, 0, at, this.line.mark);
      this.alarm.setBy(at + this.timeoutMs); // `next` may have stopped it
    } else {
      ticket.queued = true;
      this.line.pushFront(ticket, ticket.priority, ticket.enqueuedAt, ticket.mark);
    }
  }

  /** Takes the caller `place` recorded out of line and rejects it with `error` (counted in `totals[counted]`); false when it is not waiting there. */
  withdraw(place: WaitPlace, error: unknown, counted: 'aborted' | 'rejected'): boolean {
    let ticket = place.ticket as Ticket<R> | undefined;
    place.ticket = undefined;
    if (typeof ticket === 'function' && this.line.withdraw(ticket)) {
      if (this.line.live === 0 && this.heap.size === 0) this.alarm.stop();
      ticket(Promise.reject(error));
      this.totals[counted]++;
      return true;
    }
    // a plain caller out of line is held for a validation (or back in line as a Waiter), or served
    if (typeof ticket === 'function') ticket = this.heldPlain.get(ticket);
    if (ticket === undefined || ticket.settled) return false;
    this.fail(ticket, error); // in line or held: a validation that ends later offers its resource on
    this.totals[counted]++;
    return true;
  }

  fail(waiter: Waiter<R>, error: unknown): void {
    if (waiter.settled) return;
    this.line.remove(waiter);
    this.settle(waiter);
    waiter.resolve(Promise.reject(error));
  }

  /** Rejects the first `limit` callers in line (all by default) with `error`; returns how many. */
  failAll(error: unknown, limit = Infinity): number {
    let failed = 0;
    for (let ticket; failed < limit && (ticket = this.line.shift()) !== undefined; failed++) {
      if (typeof ticket === 'function') ticket(Promise.reject(error));
      else this.fail(ticket, error);
    }
    if (this.heap.size === 0 && this.line.live === 0) this.alarm.stop();
    return failed;
  }

  /** Deadline and signal of a Waiter: watched until it settles. */
  private track(waiter: Waiter<R>): Waiter<R> {
    if (waiter.deadline !== Infinity) {
      this.heap.push(waiter);
      this.alarm.setBy(waiter.deadline);
    }
    const signal = waiter.signal;
    if (signal !== undefined) {
      waiter.listener = () => {
        if (waiter.settled) return;
        this.totals.aborted++;
        this.fail(waiter, new PoolError('POOL_ABORTED', `acquire aborted after ${Math.round(waited(waiter.enqueuedAt, now()))} ms`, { cause: signal.reason, pool: this.pool }));
      };
      watchAbort(signal, waiter.listener);
    }
    return waiter;
  }

  private settle(waiter: Waiter<R>): void {
    waiter.settled = true;
    if (this.heldPlain.size > 0) this.heldPlain.delete(waiter.resolve);
    if (waiter.heapIndex !== -1) {
      this.heap.remove(waiter);
      if (this.heap.size === 0 && this.line.live === 0) this.alarm.stop();
    }
    if (waiter.listener !== undefined) unwatchAbort(waiter.signal as AbortSignal, waiter.listener);
  }

  /** The plain caller with the earliest deadline, if due by `t` (`line.at`/`mark` then describe it). */
  private plainDue(t: number): ReturnType<WaiterLine<R>['firstPlain']> {
    if (this.timeoutMs === Infinity) return undefined;
    const place = this.line.firstPlain();
    return place !== undefined && this.line.at + this.timeoutMs <= t ? place : undefined;
  }

  private onTimer(): void {
    const t = now();
    // a timer can fire a fraction of a millisecond early: a caller not yet due stays, and the timer
    // is aimed again, so no caller fails before its full timeout
    for (let waiter = this.heap.peek(); waiter !== undefined && waiter.deadline <= t; waiter = this.heap.peek()) {
      this.totals.timeouts++;
      this.line.remove(waiter); // first, so the message counts the others
      this.fail(waiter, this.expired(waiter.enqueuedAt, waiter.deadline, waiter.mark, t));
    }
    for (let place = this.plainDue(t); place !== undefined; place = this.plainDue(t)) {
      const { at, mark } = this.line;
      const resolve = this.line.takePlain(place);
      this.totals.timeouts++;
      resolve(Promise.reject(this.expired(at, at + this.timeoutMs, mark, t)));
    }
    const plain = this.timeoutMs !== Infinity && this.line.firstPlain() !== undefined ? this.line.at + this.timeoutMs : Infinity;
    const next = Math.min(plain, this.heap.peek()?.deadline ?? Infinity);
    this.alarm.setBy(next);
  }
}

/** How long a caller that started at `enqueuedAt` (rounded up) waited until `t`: never negative. */
export function waited(enqueuedAt: number, t: number): number {
  return t > enqueuedAt ? t - enqueuedAt : 0;
}
