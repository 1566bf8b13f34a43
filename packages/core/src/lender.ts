import { invalidAcquireOptions, type AcquireOptions } from './acquire-options.js';
import { coarseNow, now } from './clock.js';
import { PoolError } from './errors.js';
import { channels, type DestroyReason, type PoolEmitter } from './events.js';
import { Lease, type LeaseOwner } from './lease.js';
import { CLOSED, IS_BROKEN_HOOK, LEAK_DETECTION, LEASE_LISTENERS, MAX_USES, OVER_MAX, PAUSED, RESET_HOOK, SLOW_ACQUIRE, SLOW_RELEASE, VALIDATE_ON_ACQUIRE } from './lender-flags.js';
import type { ResolvedOptions } from './options.js';
import type { Shelf } from './shelf.js';
import { SlotState, type Slot } from './slot.js';
import type { PoolTotals } from './stats.js';
import { acquireTrace } from './tracing.js';
import type { Waiter } from './waiter.js';
import { waited, WaitingRoom, type Expired, type Ticket, type WaitPlace } from './waiting-room.js';

/** What the lender needs of the other parts. */
export interface LenderHost<R> {
  /** Resources owned plus creates in flight. */
  size(): number;
  retire(slot: Slot<R>, reason: DestroyReason, error?: unknown): void;
  /** Demand may have grown (the creator decides); `shortage`: a caller found no resource (grow). */
  fill(): void;
  shortage(): void;
  /** The creator's answers: refuse a caller at once?, its outcome count, the error of an expired waiter. */
  refusal(timeoutMs: number): PoolError | undefined;
  createMark(): number;
  expired(enqueuedAt: number, deadline: number, mark: number, t: number, borrowed: number, waiting: number): PoolError;
  /** The provider's hooks: validate resolves undefined when healthy; reset ends in `offer` or a retire. */
  isBroken(slot: Slot<R>): boolean;
  validate(slot: Slot<R>): Promise<unknown>;
  reset(slot: Slot<R>): void;
  readonly keeper: { readonly wakeAt: number; wakeBy(at: number): void };
  closedError(action: string): PoolError;
}

// read on every acquire and release: module constants, so each check is a load and a getter
const acquireChannel = channels.acquire;
const releaseChannel = channels.release;
const traceStart = acquireTrace.start; // a tracer subscribes `start`; tracePromise publishes the rest

/**
 * Lends resources: the idle ring, the waiting callers, hand-off and the fast paths. A released
 * resource goes to the next waiter (one wake-up per resource) or to idle; nothing is lent that
 * `isBroken` reports broken, on any path.
 */
export class Lender<R> implements LeaseOwner<R> {
  readonly name: string;
  private readonly room: WaitingRoom<R>;
  /** Bumped by `evictAll`: a resource of an older generation is replaced when it comes back. */
  generation = 0;
  private flags: number;
  private readonly validateOnAcquire: boolean;
  private readonly idleDueMs: number;
  private readonly keeper: LenderHost<R>['keeper'];
  /** Leases handed out and given back (totals.acquired / released, counted here for the hot path). */
  acquired = 0;
  released = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    hooks: { validate: boolean; isBroken: boolean; reset: boolean },
    private readonly totals: PoolTotals,
    private readonly emitter: PoolEmitter<R>,
    private readonly shelf: Shelf<R>,
    private readonly host: LenderHost<R>,
  ) {
    this.name = opts.name;
    this.validateOnAcquire = hooks.validate && opts.validateAfterIdleMs !== Infinity;
    this.flags = (opts.leakDetectionMs > 0 ? LEAK_DETECTION : 0) | (this.validateOnAcquire ? VALIDATE_ON_ACQUIRE : 0)
      | (hooks.isBroken ? IS_BROKEN_HOOK : 0) | (hooks.reset ? RESET_HOOK : 0) | (opts.maxUses !== Infinity ? MAX_USES : 0);
    this.keeper = host.keeper;
    // when the keeper must look at a resource gone idle: its idle expiry, keepalive, or (maxIdle) a second on
    this.idleDueMs = Math.min(opts.idleTimeoutMs, opts.keepaliveIntervalMs > 0 ? opts.keepaliveIntervalMs : Infinity, opts.maxIdle !== Infinity ? 1_000 : Infinity);
    const expired: Expired = (enqueuedAt, deadline, mark, t) => host.expired(enqueuedAt, deadline, mark, t, this.shelf.borrowed, this.room.length);
    this.room = new WaitingRoom<R>(this.name, opts.acquireTimeoutMs, totals, expired);
  }

  get waiting(): number {
    return this.room.length;
  }

  /** Sets or clears fast-path conditions (CLOSED, PAUSED, LEASE_LISTENERS). */
  setFlag(flag: number, on: boolean): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }

  /** `place`, when given, learns the caller's ticket if it has to wait (see {@link withdraw}). */
  acquire(options: AcquireOptions | undefined, place?: WaitPlace): Promise<Lease<R>> {
    // fast path: nothing to check, no one waiting, an idle resource to hand over
    if ((this.flags & SLOW_ACQUIRE) === 0 && options === undefined && this.room.length === 0
      && !acquireChannel.hasSubscribers && !releaseChannel.hasSubscribers && !traceStart.hasSubscribers) {
      const slot = this.shelf.take();
      if (slot !== undefined) {
        this.acquired++;
        return Promise.resolve(new Lease<R>(slot));
      }
    }
    return traceStart.hasSubscribers ? this.acquireTraced(options, place) : this.acquireChecked(options, place);
  }

  /** Takes a caller still waiting out of line, rejecting it with `error`; false when it no longer waits. */
  withdraw(place: WaitPlace, error: unknown, counted: 'aborted' | 'rejected'): boolean {
    return this.room.withdraw(place, error, counted);
  }

  // apart from `acquire`: a closure in `acquire` would make every call allocate the context it captures
  private acquireTraced(options: AcquireOptions | undefined, place?: WaitPlace): Promise<Lease<R>> {
    const timeoutMs = typeof options?.timeoutMs === 'number' ? options.timeoutMs : this.opts.acquireTimeoutMs;
    return acquireTrace.tracePromise(() => this.acquireChecked(options, place), { pool: this.name, timeoutMs });
  }

  /** A lease on an idle resource now, or undefined: see Pool.tryAcquire. */
  tryAcquire(): Lease<R> | undefined {
    if ((this.flags & (CLOSED | PAUSED)) !== 0 || this.room.length !== 0) return undefined;
    const slot = this.takeUnbroken();
    if (slot === undefined) return undefined;
    if (this.needsValidation(slot)) {
      this.shelf.put(slot); // it needs a ping first: acquire() does that
      return undefined;
    }
    return this.lend(slot, this.opts.leakDetectionMs > 0 ? new Error('acquired here').stack : undefined, -1);
  }

  /** The next idle slot that is not broken (broken ones on the way are retired). */
  private takeUnbroken(): Slot<R> | undefined {
    let slot = this.shelf.take();
    for (; slot !== undefined && this.host.isBroken(slot); slot = this.shelf.take()) this.host.retire(slot, 'broken');
    return slot;
  }

  /** Every acquire the fast path does not take. */
  private acquireChecked(options: AcquireOptions | undefined, place?: WaitPlace): Promise<Lease<R>> {
    if (options !== undefined) {
      const invalid = invalidAcquireOptions(options);
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if ((this.flags & CLOSED) !== 0) return Promise.reject(this.host.closedError('acquire'));
    // the borrower's stack, for leak reports; captured here, where the caller is still on the stack
    const stack = this.opts.leakDetectionMs > 0 ? new Error('acquired here').stack : undefined;
    const slot = (this.flags & PAUSED) === 0 && this.room.length === 0 && options?.signal?.aborted !== true ? this.takeUnbroken() : undefined;
    if (slot !== undefined) return this.needsValidation(slot) ? this.wait(options, slot, stack, place) : Promise.resolve(this.lend(slot, stack, -1));
    return this.wait(options, undefined, stack, place);
  }

  private wait(options: AcquireOptions | undefined, slot: Slot<R> | undefined, stack: string | undefined, place?: WaitPlace): Promise<Lease<R>> {
    const timeoutMs = options?.timeoutMs ?? this.opts.acquireTimeoutMs;
    const priority = options?.priority ?? 0;
    const signal = options?.signal;
    if (signal?.aborted === true) {
      this.totals.aborted++;
      if (slot !== undefined) this.handOff(slot);
      return Promise.reject(new PoolError('POOL_ABORTED', 'acquire aborted before it started', { cause: signal.reason, pool: this.name }));
    }
    if (slot === undefined) {
      const refusal = this.room.length >= this.opts.maxWaiting
        ? new PoolError('POOL_QUEUE_FULL', `acquire refused: ${this.room.length} callers already waiting (maxWaiting ${this.opts.maxWaiting})`, { pool: this.name })
        : this.host.refusal(timeoutMs);
      if (refusal !== undefined) {
        this.totals.rejected++;
        return Promise.reject(refusal);
      }
    }
    if (slot !== undefined) {
      const held = this.room.enterHeld(timeoutMs, signal, stack, this.host.createMark(), place);
      this.validateFor(slot, held.waiter);
      return held.promise;
    }
    const promise = this.room.enter(timeoutMs, priority, signal, stack, this.host.createMark(), place);
    this.host.shortage();
    this.host.fill();
    return promise;
  }

  /** Rejects the first `limit` queued callers (all by default); returns how many. */
  failAll(error: unknown, limit?: number): number {
    return this.room.failAll(error, limit);
  }

  private needsValidation(slot: Slot<R>): boolean {
    return this.validateOnAcquire && coarseNow() - Math.max(slot.releasedAt, slot.checkedAt) >= this.opts.validateAfterIdleMs;
  }

  /** `enqueuedAt`: when the caller started waiting, -1 if it did not. */
  private lend(slot: Slot<R>, stack: string | undefined, enqueuedAt: number): Lease<R> {
    if ((this.flags & MAX_USES) !== 0) slot.uses++;
    this.acquired++;
    const lease = new Lease<R>(slot);
    const leakMs = this.opts.leakDetectionMs;
    if ((this.flags & (LEAK_DETECTION | LEASE_LISTENERS)) !== 0 || acquireChannel.hasSubscribers || releaseChannel.hasSubscribers) {
      slot.borrowedAt = now();
      if (leakMs > 0) {
        slot.leaked = false;
        slot.stack = stack;
        this.keeper.wakeBy(slot.borrowedAt + leakMs);
      }
      if (this.emitter.wants('acquire')) {
        this.emitter.emit('acquire', { pool: this.name, resource: slot.resource, waitMs: enqueuedAt === -1 ? 0 : waited(enqueuedAt, slot.borrowedAt) });
      }
    }
    return lease;
  }

  /** Lends `slot` to a caller just out of line (or held); a broken one is destroyed instead and the caller requeued (false). */
  private handTo(ticket: Ticket<R>, slot: Slot<R>): boolean {
    if ((this.flags & IS_BROKEN_HOOK) !== 0 && this.host.isBroken(slot)) {
      this.room.requeue(ticket); // first: retire emits 'destroy', whose listeners may acquire or release
      this.host.retire(slot, 'broken');
      return false;
    }
    this.room.serve(ticket, this.lend(slot, this.room.stackOf(ticket), this.room.enqueuedAt(ticket)));
    return true;
  }

  /** A busy slot that passed every check goes to the next waiter, else to idle. */
  handOff(slot: Slot<R>): void {
    if ((this.flags & PAUSED) === 0) {
      const waiter = this.room.next();
      if (waiter !== undefined) {
        if (!this.handTo(waiter, slot)) this.dispatch();
        return;
      }
    }
    this.putIdle(slot);
  }

  /** Into the idle ring; the keeper must wake by the slot's idle or lifetime expiry (usually it is aimed earlier already). */
  private putIdle(slot: Slot<R>): void {
    this.shelf.put(slot);
    const idleAt = slot.releasedAt + this.idleDueMs;
    const wakeAt = this.keeper.wakeAt;
    if (idleAt < wakeAt || slot.expiresAt < wakeAt) this.keeper.wakeBy(Math.min(idleAt, slot.expiresAt));
  }

  /** Like handOff, for a slot coming from a create, a ping or a reset: applies the pool-wide rules first. */
  offer(slot: Slot<R>): void {
    if ((this.flags & CLOSED) !== 0) this.host.retire(slot, 'closed');
    else if (slot.generation !== this.generation) this.host.retire(slot, 'evicted');
    else if (this.host.size() > this.opts.max) this.host.retire(slot, 'resized');
    else {
      this.handOff(slot);
      return;
    }
    this.host.fill();
  }

  /** Serves queued waiters from idle resources (after resume, resize, a failed validation or a broken hand-off). */
  dispatch(): void {
    // not takeUnbroken: a retire's 'destroy' listeners may close, pause or empty the line, so each slot re-checks
    while ((this.flags & (PAUSED | CLOSED)) === 0 && this.room.length > 0 && this.shelf.idleCount > 0) {
      const slot = this.shelf.take() as Slot<R>;
      if (this.host.isBroken(slot)) {
        this.host.retire(slot, 'broken');
        continue;
      }
      const ticket = this.room.next() as Ticket<R>;
      if (this.needsValidation(slot)) this.validateFor(slot, this.room.hold(ticket));
      else this.handTo(ticket, slot);
    }
    this.host.fill();
  }

  /** Lends `slot` to a held caller once validated; a failed one is retired and the caller goes back in line. */
  private validateFor(slot: Slot<R>, waiter: Waiter<R>): void {
    this.host.validate(slot).then((failure) => {
      const closed = (this.flags & CLOSED) !== 0;
      if (failure !== undefined) {
        this.host.retire(slot, 'validate-failed', failure);
        if (waiter.settled) this.host.fill();
        else if (closed) this.room.fail(waiter, this.host.closedError('acquire'));
        else {
          this.room.requeue(waiter);
          this.dispatch();
        }
        return;
      }
      slot.checkedAt = coarseNow();
      if (waiter.settled || closed) {
        if (closed) this.room.fail(waiter, this.host.closedError('acquire'));
        this.offer(slot);
      } else if (!this.handTo(waiter, slot)) {
        this.dispatch();
      }
    });
  }

  /** @internal Lease.release lands here. */
  releaseSlot(slot: Slot<R>): void {
    // fast path: no hook, listener or limit to apply, and the resource is neither old nor surplus
    if ((this.flags & SLOW_RELEASE) === 0 && slot.state === SlotState.Busy && !releaseChannel.hasSubscribers) {
      const t = coarseNow();
      if (t < slot.expiresAt && slot.generation === this.generation) {
        this.released++;
        slot.releasedAt = t;
        if (this.room.length === 0) this.putIdle(slot); // no one waiting: handOff's question answered here
        else this.handOff(slot);
        return;
      }
    }
    this.releaseChecked(slot);
  }

  private releaseChecked(slot: Slot<R>): void {
    this.released++;
    if (slot.state !== SlotState.Busy) return; // destroyed by close() while lent
    if (this.opts.leakDetectionMs > 0) slot.stack = undefined;
    const t = coarseNow();
    if ((this.flags & LEASE_LISTENERS) !== 0 || releaseChannel.hasSubscribers) {
      this.emitter.emit('release', { pool: this.name, resource: slot.resource, heldMs: now() - slot.borrowedAt });
    }
    slot.releasedAt = t;
    if ((this.flags & CLOSED) !== 0) {
      this.host.retire(slot, 'closed');
      return;
    }
    let over = false;
    if ((this.flags & OVER_MAX) !== 0) {
      over = this.host.size() > this.opts.max;
      if (!over) this.flags &= ~OVER_MAX;
    }
    const reason = this.host.isBroken(slot) ? 'broken'
      : slot.uses >= this.opts.maxUses ? 'max-uses'
      : t >= slot.expiresAt ? 'lifetime'
      : slot.generation !== this.generation ? 'evicted'
      : over ? 'resized'
      : undefined;
    if (reason !== undefined) {
      this.host.retire(slot, reason);
      this.host.fill();
    } else if ((this.flags & RESET_HOOK) === 0) {
      this.handOff(slot);
    } else {
      this.host.reset(slot);
    }
  }

  /** @internal Lease.destroy lands here. */
  destroySlot(slot: Slot<R>, reason: unknown): void {
    if (slot.state !== SlotState.Busy) return;
    slot.stack = undefined;
    this.host.retire(slot, 'released-destroyed', reason);
    this.host.fill();
  }
}
