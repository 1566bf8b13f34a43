import { unwatchAbort, watchAbort } from './abort-watch.js';
import { invalidAcquireOptions } from './acquire-options.js';
import { coarseNow, now } from './clock.js';
import { Creator } from './creator.js';
import { DeadlineQueue } from './deadline-queue.js';
import { messageOf, PoolError, PoolOptionError, PoolTimeoutError } from './errors.js';
import { channels, PoolEmitter, type DestroyReason, type PoolEventName, type PoolEvents } from './events.js';
import { Lease, type LeaseOwner } from './lease.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from './options.js';
import type { ResourceProvider } from './provider.js';
import { Ring } from './ring.js';
import { Slot, SlotState } from './slot.js';
import type { PoolStats, PoolTotals } from './stats.js';
import { WaiterQueue } from './waiter-queue.js';
import { acquireTrace } from './tracing.js';
import { takePromise, Waiter, type WaiterExtras } from './waiter.js';
import { withTimeout } from './with-timeout.js';

/** Per-acquire options. */
export interface AcquireOptions {
  /** Aborting it rejects a waiting acquire at once with POOL_ABORTED. */
  signal?: AbortSignal;
  /** This caller's whole wait; defaults to the pool's `acquireTimeoutMs`. */
  timeoutMs?: number;
  /** Higher is served first; FIFO within a priority. @default 0 */
  priority?: number;
}

/** Options of {@link Pool.close}. */
export interface CloseOptions {
  /** How long to wait for borrowed leases before destroying them anyway. @default 30000 */
  timeoutMs?: number;
}

type Listener<R, K extends PoolEventName> = (payload: PoolEvents<R>[K]) => void;

// Conditions that take acquire or release off the fast path, as bits of one field so the fast path
// tests them all at once. Kept up to date wherever they change.
const CLOSED = 1;
const PAUSED = 2;
const LEAK_DETECTION = 4;
const LEASE_LISTENERS = 8;
const VALIDATE_ON_ACQUIRE = 16;
const IS_BROKEN_HOOK = 32;
const RESET_HOOK = 64;
const MAX_USES = 128;
const SLOW_ACQUIRE = CLOSED | PAUSED | LEAK_DETECTION | LEASE_LISTENERS | VALIDATE_ON_ACQUIRE | IS_BROKEN_HOOK;
const SLOW_RELEASE = CLOSED | LEAK_DETECTION | LEASE_LISTENERS | IS_BROKEN_HOOK | RESET_HOOK | MAX_USES;

// read on every acquire and release: module constants, so the check is a load and a getter
const acquireChannel = channels.acquire;
const releaseChannel = channels.release;
// a tracer subscribes `start` (tracePromise publishes the rest): the one check the hot path makes
const traceStart = acquireTrace.start;

/**
 * An async resource pool. Build one with {@link createPool}, or {@link Pool.from} for given objects.
 *
 * How a resource moves: create → (offer) → a waiter, or idle → acquire (validated if it sat idle
 * longer than `validateAfterIdleMs`) → borrowed → release (checks, then `reset`) → offer again; or
 * destroy, from any step. `offer` hands a resource to the oldest highest-priority waiter, one
 * resource per waiter, so a release wakes exactly one caller.
 *
 * Timers: one deadline timer aimed at the earliest waiter deadline (ref'd: a waiting caller keeps
 * the process alive until its deadline), one maintenance timer aimed at the next idle, lifetime,
 * keepalive or leak due time (unref'd: an idle pool never keeps the process alive), and one backoff
 * timer after a failed create.
 */
export class Pool<R> implements LeaseOwner<R>, AsyncDisposable {
  readonly name: string;
  private readonly opts: ResolvedOptions;
  private readonly provider: ResourceProvider<R>;
  private readonly emitter = new PoolEmitter<R>();
  /** Listeners of 'acquire' plus 'release', kept here so the hot path reads a field, not the emitter. */
  private leaseListeners = 0;
  private readonly idle = new Ring<Slot<R>>();
  /** Every live resource (idle or busy). */
  private readonly slots = new Set<Slot<R>>();
  private readonly waiters = new WaiterQueue<Waiter<R>>();
  private readonly deadlines = new DeadlineQueue<Waiter<R>>(this.waiters);
  private readonly creator: Creator<R>;
  private readonly destroying = new Set<Promise<void>>();
  private readonly readyWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly totals: PoolTotals = {
    created: 0, destroyed: 0, acquired: 0, released: 0, timeouts: 0, aborted: 0, rejected: 0,
    createErrors: 0, validationFailures: 0, leaks: 0,
  };

  /** Resources owned (idle or busy). A field, not `slots.size`, for the hot path. */
  private owned = 0;
  /** Busy slots: lent, or held by the pool for a ping or reset. */
  private borrowed = 0;
  private generation = 0;
  /** With `grow` > 1 or 'double': keep creating until the pool has this many. */
  private growTarget = 0;
  private paused = false;
  private closed = false;
  /** The fast-path conditions above. */
  private slowPath = 0;
  private closing: Promise<void> | undefined;
  private onDrained: (() => void) | undefined;

  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineAt = Infinity;
  private maintenanceTimer: ReturnType<typeof setTimeout> | undefined;
  private maintenanceAt = Infinity;

  // derived once, read on the hot path
  private readonly lifo: boolean;
  private readonly validateOnAcquire: boolean;
  private readonly idleDueMs: number;
  private readonly leakDetectionMs: number;

  constructor(provider: ResourceProvider<R>, options?: PoolOptions) {
    if (typeof provider !== 'object' || provider === null || typeof provider.create !== 'function') {
      throw new PoolOptionError('provider', 'Expected a provider object with a `create` function');
    }
    for (const hook of ['destroy', 'validate', 'reset', 'isBroken', 'isFatal', 'isFailover'] as const) {
      if (provider[hook] !== undefined && typeof provider[hook] !== 'function') {
        throw new PoolOptionError(`provider.${hook}`, `Expected \`provider.${hook}\` to be a function, got ${typeof provider[hook]}`);
      }
    }
    this.opts = resolveOptions(options);
    this.provider = provider;
    this.name = this.opts.name;
    this.lifo = this.opts.order === 'lifo';
    this.validateOnAcquire = provider.validate !== undefined && this.opts.validateAfterIdleMs !== Infinity;
    this.leakDetectionMs = this.opts.leakDetectionMs;
    this.slowPath = (this.leakDetectionMs > 0 ? LEAK_DETECTION : 0) | (this.validateOnAcquire ? VALIDATE_ON_ACQUIRE : 0)
      | (provider.isBroken !== undefined ? IS_BROKEN_HOOK : 0) | (provider.reset !== undefined ? RESET_HOOK : 0)
      | (this.opts.maxUses !== Infinity ? MAX_USES : 0);
    this.idleDueMs = Math.min(this.opts.idleTimeoutMs, this.opts.keepaliveIntervalMs > 0 ? this.opts.keepaliveIntervalMs : Infinity);
    this.creator = new Creator<R>(provider, this.opts, {
      uncovered: () => this.waiters.length - this.creator.creating - this.idle.length,
      short: () => this.size < this.opts.min || this.size < this.growTarget,
      hasRoom: () => this.size < this.opts.max,
      generation: () => this.generation,
      created: (resource, durationMs, generation) => this.created(resource, durationMs, generation),
      failed: (report, reject) => this.createFailed(report, reject),
      availability: (unavailable, cause) => {
        if (unavailable) this.log('error', { failures: this.creator.failedRounds, error: messageOf(cause) }, 'backend unavailable: circuit open, callers whose deadline the outage outlasted fail fast');
        else this.log('info', {}, 'backend available again: circuit closed');
        this.emitter.emit('availability', { pool: this.name, unavailable, ...(unavailable ? { cause } : {}) });
      },
      late: (resource) => this.destroyLate(resource),
    });
    this.fill();
  }

  /**
   * A pool of the given objects, which it never creates nor replaces (tub, rpool's Static). A
   * destroyed object is gone for good and the pool shrinks by one.
   */
  static from<T>(items: Iterable<T>, options?: Omit<PoolOptions, 'min' | 'max'>): Pool<T> {
    const list = Array.isArray(items) ? items.slice() : [...items];
    if (list.length === 0) throw new PoolOptionError('items', 'Pool.from needs at least one object');
    for (const key of ['min', 'max'] as const) {
      if (options && key in options) throw new PoolOptionError(key, `Pool.from sizes the pool from its objects; do not pass \`${key}\``);
    }
    let pool: Pool<T> | undefined;
    const provider: ResourceProvider<T> = {
      create: () => Promise.reject(new PoolError('POOL_CREATE_FAILED', 'a Pool.from pool holds only the objects it was given; all are in use or destroyed')),
      destroy: () => {
        const max = pool?.opts.max ?? 1;
        if (max > 1) pool?.resize({ max: max - 1 });
      },
    };
    pool = new Pool<T>(provider, {
      idleTimeoutMs: Infinity, maxLifetimeMs: Infinity, validateAfterIdleMs: Infinity, failFast: false,
      ...options, min: 0, max: list.length,
    });
    for (const item of list) pool.adopt(item);
    return pool;
  }

  /** Resources owned plus creates in flight: what `max` caps. */
  private get size(): number {
    return this.owned + this.creator.creating;
  }

  /** The options in force (min and max follow `resize`). */
  get options(): Readonly<ResolvedOptions> {
    return this.opts;
  }

  // ---------------------------------------------------------------- acquire

  /**
   * Borrows a resource. Resolves with a {@link Lease}; rejects with POOL_TIMEOUT, POOL_ABORTED,
   * POOL_QUEUE_FULL, POOL_CLOSED, POOL_UNAVAILABLE or POOL_CREATE_FAILED.
   */
  acquire(options?: AcquireOptions): Promise<Lease<R>> {
    // fast path: nothing to check, no one waiting, an idle resource to hand over
    if ((this.slowPath & SLOW_ACQUIRE) === 0 && options === undefined && this.waiters.length === 0
      && !acquireChannel.hasSubscribers && !releaseChannel.hasSubscribers && !traceStart.hasSubscribers) {
      const slot = this.takeIdle();
      if (slot !== undefined) {
        slot.uses++;
        this.totals.acquired++;
        return Promise.resolve(new Lease<R>(slot));
      }
    }
    return this.acquireChecked(options);
  }

  /** Every acquire the fast path does not take. */
  private acquireChecked(options: AcquireOptions | undefined): Promise<Lease<R>> {
    if (traceStart.hasSubscribers) {
      const timeoutMs = typeof options?.timeoutMs === 'number' ? options.timeoutMs : this.opts.acquireTimeoutMs;
      return acquireTrace.tracePromise(() => this.acquireUntraced(options), { pool: this.name, timeoutMs });
    }
    return this.acquireUntraced(options);
  }

  private acquireUntraced(options: AcquireOptions | undefined): Promise<Lease<R>> {
    if (options !== undefined) {
      const invalid = invalidAcquireOptions(options);
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if (this.closed) return Promise.reject(this.closedError('acquire'));
    // the borrower's stack, for leak reports; captured here, where the caller is still on the stack
    const stack = this.leakDetectionMs > 0 ? new Error('acquired here').stack : undefined;
    if (!this.paused && this.waiters.length === 0 && (options === undefined || options.signal === undefined || !options.signal.aborted)) {
      // fast path: no one is waiting, so the caller may take an idle resource at once
      for (let slot = this.takeIdle(); slot !== undefined; slot = this.takeIdle()) {
        if (this.isBroken(slot)) {
          this.retire(slot, 'broken');
          continue;
        }
        if (this.validateOnAcquire && coarseNow() - Math.max(slot.releasedAt, slot.checkedAt) >= this.opts.validateAfterIdleMs) {
          return this.wait(options, slot, stack);
        }
        return Promise.resolve(this.lend(slot, undefined, stack));
      }
    }
    return this.wait(options, undefined, stack);
  }

  /**
   * Runs `fn` with a borrowed resource and gives it back: released after success; destroyed when
   * `fn` throws an error the provider calls fatal (or the resource is broken); every resource evicted
   * when the provider calls it a failover. If `options.signal` aborts while `fn` runs, `use` rejects
   * with POOL_ABORTED and destroys the resource at once, never reused: a reply still in flight can
   * never reach the next borrower, and a call that never ends cannot pin its slot.
   */
  async use<T>(fn: (resource: R, lease: Lease<R>) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    const lease = await this.acquire(options);
    let work: Promise<T>;
    try {
      work = Promise.resolve(fn(lease.resource, lease));
    } catch (error) {
      work = Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal === undefined) {
      try {
        const value = await work;
        if (!lease.released) lease.release();
        return value;
      } catch (error) {
        this.afterUseError(lease, error);
        throw error;
      }
    }
    return new Promise<T>((resolve, reject) => {
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        this.totals.aborted++;
        // destroy now rather than when fn settles: the call may never end (a blocking command), and
        // closing the resource both frees the slot and makes the abandoned call fail
        if (!lease.released) lease.destroy(signal.reason);
        reject(new PoolError('POOL_ABORTED', 'use aborted while the resource was in use; it was destroyed', { cause: signal.reason, pool: this.name }));
      };
      if (signal.aborted) onAbort();
      else watchAbort(signal, onAbort);
      work.then(
        (value) => {
          unwatchAbort(signal, onAbort);
          if (aborted) return;
          if (!lease.released) lease.release();
          resolve(value);
        },
        (error: unknown) => {
          unwatchAbort(signal, onAbort);
          if (aborted) return;
          this.afterUseError(lease, error);
          reject(error);
        },
      );
    });
  }

  /** Resolves once `min` resources exist; rejects with the create error (POOL_CREATE_FAILED) if one fails first. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError('ready'));
    if (this.owned >= this.opts.min) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  // ---------------------------------------------------------------- management

  /** Changes `min` and/or `max` live. Idle resources above the new max go now, borrowed ones on release. */
  resize(sizes: { min?: number; max?: number }): void {
    if (typeof sizes !== 'object' || sizes === null) throw new PoolOptionError('sizes', 'Expected resize({ min?, max? })');
    for (const key of Object.keys(sizes)) {
      if (key !== 'min' && key !== 'max') throw new PoolOptionError(key, `Unknown option \`${key}\`; resize takes min and max`);
    }
    const next = resolveOptions({ min: sizes.min ?? Math.min(this.opts.min, sizes.max ?? this.opts.min), max: sizes.max ?? this.opts.max });
    this.opts.min = next.min;
    this.opts.max = next.max;
    if (this.closed) return;
    while (this.size > this.opts.max && this.idle.length > 0) {
      this.retire(this.takeIdle() as Slot<R>, 'resized');
    }
    this.dispatch();
    this.fill();
  }

  /** Stops handing out resources (HikariCP's suspend): acquires wait until `resume()` or their deadline. */
  pause(): void {
    this.paused = true;
    this.slowPath |= PAUSED;
  }

  /** Hands resources out again, to the waiters first. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.slowPath &= ~PAUSED;
    this.dispatch();
    this.fill();
  }

  /**
   * Replaces every resource: idle ones are destroyed now, borrowed ones when released, and creates
   * already in flight are discarded when they finish (failover: a role change, Redis READONLY).
   */
  evictAll(reason?: unknown): void {
    if (this.closed) return;
    this.generation++;
    this.log('warn', { reason: reason === undefined ? undefined : messageOf(reason) }, 'evicting every resource');
    while (this.idle.length > 0) this.retire(this.takeIdle() as Slot<R>, 'evicted', reason);
    this.fill();
  }

  /**
   * Closes the pool: new acquires and waiters reject with POOL_CLOSED, creates are abandoned, idle
   * resources destroyed; then it waits for borrowed leases up to `timeoutMs` and destroys the rest
   * (their leases become no-ops). Resolves when every destroy has finished or timed out. Idempotent.
   */
  close(options?: CloseOptions): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const timeoutMs = options?.timeoutMs ?? 30_000;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new PoolOptionError('timeoutMs', `Expected \`timeoutMs\` to be a number >= 0, got ${String(timeoutMs)}`));
    }
    this.closed = true;
    this.slowPath |= CLOSED;
    clearTimeout(this.maintenanceTimer);
    this.maintenanceTimer = undefined;
    const error = this.closedError('acquire');
    for (const waiter of this.waiters.drain()) this.fail(waiter, error);
    this.creator.close(error);
    while (this.idle.length > 0) this.retire(this.takeIdle() as Slot<R>, 'closed');
    for (const ready of this.readyWaiters.splice(0)) ready.reject(this.closedError('ready'));
    this.log('info', { borrowed: this.borrowed }, 'closing');
    this.closing = this.drain(timeoutMs);
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of sizes and running totals. */
  stats(): PoolStats {
    return {
      name: this.name,
      size: this.size,
      idle: this.idle.length,
      borrowed: this.borrowed,
      creating: this.creator.creating,
      pending: this.waiters.length,
      min: this.opts.min,
      max: this.opts.max,
      paused: this.paused,
      closed: this.closed,
      unavailable: this.creator.unavailable,
      totals: { ...this.totals },
    };
  }

  on<K extends PoolEventName>(event: K, listener: Listener<R, K>): this {
    this.emitter.on(event, listener);
    this.countLeaseListeners();
    return this;
  }

  once<K extends PoolEventName>(event: K, listener: Listener<R, K>): this {
    const wrapper: Listener<R, K> = (payload) => {
      this.off(event, wrapper);
      listener(payload);
    };
    return this.on(event, wrapper);
  }

  off<K extends PoolEventName>(event: K, listener: Listener<R, K>): this {
    this.emitter.off(event, listener);
    this.countLeaseListeners();
    return this;
  }

  private countLeaseListeners(): void {
    this.leaseListeners = this.emitter.listenerCount('acquire') + this.emitter.listenerCount('release');
    if (this.leaseListeners > 0) this.slowPath |= LEASE_LISTENERS;
    else this.slowPath &= ~LEASE_LISTENERS;
  }

  // ---------------------------------------------------------------- lease owner (called by Lease)

  /** @internal */
  releaseSlot(slot: Slot<R>): void {
    // fast path: no hook, listener or limit to apply, and the resource is neither old nor surplus
    if ((this.slowPath & SLOW_RELEASE) === 0 && slot.state === SlotState.Busy && !releaseChannel.hasSubscribers) {
      const t = coarseNow();
      if (t < slot.expiresAt && slot.generation === this.generation && this.size <= this.opts.max) {
        this.totals.released++;
        slot.releasedAt = t;
        this.handOff(slot);
        return;
      }
    }
    this.releaseChecked(slot);
  }

  /** Every release the fast path does not take. */
  private releaseChecked(slot: Slot<R>): void {
    this.totals.released++;
    if (slot.state !== SlotState.Busy) return; // destroyed by close() while lent
    if (this.leakDetectionMs > 0) slot.stack = undefined;
    const t = coarseNow();
    if (this.leaseListeners > 0 || releaseChannel.hasSubscribers) {
      this.emitter.emit('release', { pool: this.name, resource: slot.resource, heldMs: now() - slot.borrowedAt });
    }
    slot.releasedAt = t;
    if (this.closed) {
      this.retire(slot, 'closed');
      return;
    }
    const reason = this.isBroken(slot) ? 'broken'
      : slot.uses >= this.opts.maxUses ? 'max-uses'
      : t >= slot.expiresAt ? 'lifetime'
      : slot.generation !== this.generation ? 'evicted'
      : this.size > this.opts.max ? 'resized'
      : undefined;
    if (reason !== undefined) {
      this.retire(slot, reason);
      this.fill();
    } else if (this.provider.reset === undefined) {
      this.handOff(slot);
    } else {
      this.resetThenOffer(slot);
    }
  }

  /** @internal */
  destroySlot(slot: Slot<R>, reason: unknown): void {
    if (slot.state !== SlotState.Busy) return;
    slot.stack = undefined;
    this.retire(slot, 'released-destroyed', reason);
    this.fill();
  }

  // ---------------------------------------------------------------- waiting

  private wait(options: AcquireOptions | undefined, slot: Slot<R> | undefined, stack: string | undefined): Promise<Lease<R>> {
    let timeoutMs = this.opts.acquireTimeoutMs;
    let priority = 0;
    let signal: AbortSignal | undefined;
    if (options !== undefined) { // checked by acquireChecked
      if (options.timeoutMs !== undefined) timeoutMs = options.timeoutMs;
      if (options.priority !== undefined) priority = options.priority;
      signal = options.signal;
      if (signal !== undefined && signal.aborted) {
        this.totals.aborted++;
        return this.refuse(slot, new PoolError('POOL_ABORTED', 'acquire aborted before it started', { cause: signal.reason, pool: this.name }));
      }
    }
    if (slot === undefined) {
      const refusal = this.creator.refusal(timeoutMs);
      if (refusal !== undefined) {
        this.totals.rejected++;
        return Promise.reject(refusal);
      }
      if (this.waiters.length >= this.opts.maxWaiting) {
        this.totals.rejected++;
        return Promise.reject(new PoolError('POOL_QUEUE_FULL', `acquire refused: ${this.waiters.length} callers already waiting (maxWaiting ${this.opts.maxWaiting})`, { pool: this.name }));
      }
    }
    // a deadline is measured from an exact reading: the coarse clock can be as old as the synchronous
    // work done since its last refresh in this turn, and a stale start would make the deadline early
    const t = timeoutMs === Infinity ? coarseNow() : Math.ceil(now());
    const extras: WaiterExtras | undefined = priority === 0 && signal === undefined && stack === undefined
      ? undefined
      : { priority, signal, listener: undefined, stack };
    const waiter = new Waiter<R>(t, t + timeoutMs, this.creator.mark, extras);
    const promise = takePromise<R>();
    if (extras !== undefined && signal !== undefined) {
      const listener = () => this.abortWaiter(waiter);
      extras.listener = listener;
      watchAbort(signal, listener);
    }
    if (timeoutMs !== Infinity) {
      // a queued caller with the pool's timeout at priority 0 is tracked by its place in the queue
      if (slot === undefined && priority === 0 && timeoutMs === this.opts.acquireTimeoutMs) this.deadlines.trackImplicit(waiter);
      else this.deadlines.push(waiter);
      if (waiter.deadline < this.deadlineAt) this.armDeadline(waiter.deadline);
    }
    if (slot !== undefined) {
      this.validateFor(slot, waiter);
    } else {
      this.waiters.push(waiter);
      this.noteShortage();
      this.fill();
    }
    return promise;
  }

  /** Rejects an acquire that never waited; a slot it had taken goes back. */
  private refuse(slot: Slot<R> | undefined, error: PoolError): Promise<Lease<R>> {
    if (slot !== undefined) this.handOff(slot);
    return Promise.reject(error);
  }

  /** Settles a waiter's bookkeeping: out of the heap, abort listener off. */
  private settle(waiter: Waiter<R>): void {
    waiter.markSettled();
    if (waiter.heapIndex !== -1) {
      this.deadlines.remove(waiter);
      if (this.deadlines.size === 0 && this.deadlineTimer !== undefined) {
        clearTimeout(this.deadlineTimer);
        this.deadlineTimer = undefined;
        this.deadlineAt = Infinity;
      }
    }
    const extras = waiter.extras;
    if (extras !== undefined && extras.signal !== undefined && extras.listener !== undefined) {
      unwatchAbort(extras.signal, extras.listener);
    }
  }

  private fail(waiter: Waiter<R>, error: unknown): void {
    if (waiter.settled) return;
    this.waiters.remove(waiter);
    this.settle(waiter);
    waiter.reject(error);
  }

  private abortWaiter(waiter: Waiter<R>): void {
    if (waiter.settled) return;
    this.totals.aborted++;
    this.fail(waiter, new PoolError('POOL_ABORTED', `acquire aborted after ${Math.round(waiter.waitedUntil(now()))} ms`, { cause: waiter.extras?.signal?.reason, pool: this.name }));
  }

  private armDeadline(at: number): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(0, Math.ceil(at - now())));
  }

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
    const t = now();
    // a timer can fire a fraction of a millisecond early: a waiter not yet due stays, and the timer is
    // re-armed for it, so no caller is failed before its full timeout
    for (let waiter = this.deadlines.peek(); waiter !== undefined && waiter.deadline <= t; waiter = this.deadlines.peek()) {
      this.totals.timeouts++;
      this.waiters.remove(waiter); // first, so the message counts the others
      this.fail(waiter, this.timeoutError(waiter, t));
    }
    const next = this.deadlines.peek();
    if (next !== undefined) this.armDeadline(next.deadline);
  };

  private timeoutError(waiter: Waiter<R>, t: number): PoolError {
    const elapsed = Math.round(waiter.waitedUntil(t));
    // creates failed during this wait, or the pool was still backing off from a failure when the
    // caller arrived and had no resource to give it: either way the create error is why it waited
    const creator = this.creator;
    const failed = creator.failedSince(waiter.createSeqAtStart, this.size < this.opts.max);
    if (failed === 'failed') {
      return new PoolError('POOL_CREATE_FAILED', `could not get a resource within ${Math.round(waiter.deadline - waiter.enqueuedAt)} ms: creates keep failing (${creator.failedRounds} in a row), the last with: ${messageOf(creator.lastError)}`, { cause: creator.lastError, pool: this.name });
    }
    return new PoolTimeoutError('acquire', elapsed, `acquire timed out after ${Math.round(waiter.deadline - waiter.enqueuedAt)} ms (${this.borrowed}/${this.opts.max} borrowed, ${this.waiters.length} waiting)`, {
      pool: this.name,
      ...(failed !== undefined ? { cause: creator.lastError } : {}),
    });
  }

  // ---------------------------------------------------------------- handing out

  private takeIdle(): Slot<R> | undefined {
    const slot = this.lifo ? this.idle.pop() : this.idle.shift();
    if (slot !== undefined) {
      slot.state = SlotState.Busy;
      this.borrowed++;
    }
    return slot;
  }

  private lend(slot: Slot<R>, waiter: Waiter<R> | undefined, stack: string | undefined): Lease<R> {
    slot.uses++;
    this.totals.acquired++;
    const lease = new Lease<R>(slot);
    const leakMs = this.leakDetectionMs;
    if (leakMs > 0 || this.leaseListeners > 0 || acquireChannel.hasSubscribers || releaseChannel.hasSubscribers) {
      slot.borrowedAt = now();
      if (leakMs > 0) {
        slot.leaked = false;
        slot.stack = stack;
        this.scheduleMaintenance(slot.borrowedAt + leakMs);
      }
      if (this.emitter.wants('acquire')) {
        this.emitter.emit('acquire', { pool: this.name, resource: slot.resource, waitMs: waiter === undefined ? 0 : waiter.waitedUntil(slot.borrowedAt) });
      }
    }
    return lease;
  }

  /**
   * Lends `slot` to `waiter`, unless the provider reports it broken: then it is destroyed and the
   * waiter goes back to the front of the queue (false), for another resource or a create.
   */
  private handTo(waiter: Waiter<R>, slot: Slot<R>): boolean {
    if ((this.slowPath & IS_BROKEN_HOOK) !== 0 && this.isBroken(slot)) {
      this.retire(slot, 'broken');
      this.deadlines.makeExplicit(waiter); // it rejoins the queue out of deadline order
      this.waiters.pushFront(waiter);
      return false;
    }
    this.settle(waiter);
    waiter.resolve(this.lend(slot, waiter, waiter.stack));
    return true;
  }

  /** A busy slot that passed every check goes to the next waiter, else to idle. */
  private handOff(slot: Slot<R>): void {
    if (!this.paused) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) {
        if (!this.handTo(waiter, slot)) {
          this.dispatch();
          this.fill();
        }
        return;
      }
    }
    slot.state = SlotState.Idle;
    this.borrowed--;
    this.idle.push(slot);
    // the cleaner must wake by this slot's idle or lifetime expiry; usually it is already aimed earlier
    // (an early wake-up is harmless: the cleaner works out the real due times and re-aims)
    const maintenanceAt = this.maintenanceAt;
    if (slot.releasedAt + this.idleDueMs < maintenanceAt || slot.expiresAt < maintenanceAt) {
      this.scheduleMaintenance(Math.min(slot.releasedAt + this.idleDueMs, slot.expiresAt));
    }
  }

  /** Like handOff, for a slot coming from a create, a ping or a check: applies the pool-wide rules first. */
  private offer(slot: Slot<R>): void {
    if (this.closed) this.retire(slot, 'closed');
    else if (slot.generation !== this.generation) {
      this.retire(slot, 'evicted');
      this.fill();
    } else if (this.size > this.opts.max) this.retire(slot, 'resized');
    else this.handOff(slot);
  }

  /** Serves queued waiters from idle resources (after resume, resize or a failed validation). */
  private dispatch(): void {
    let lent = true;
    while (!this.paused && !this.closed && this.waiters.length > 0 && this.idle.length > 0) {
      const slot = this.takeIdle() as Slot<R>;
      if (this.isBroken(slot)) {
        this.retire(slot, 'broken');
        continue;
      }
      const waiter = this.waiters.shift() as Waiter<R>;
      if (this.validateOnAcquire && coarseNow() - Math.max(slot.releasedAt, slot.checkedAt) >= this.opts.validateAfterIdleMs) {
        this.validateFor(slot, waiter);
      } else {
        lent = this.handTo(waiter, slot) && lent;
      }
    }
    if (!lent) this.fill();
  }

  private validateFor(slot: Slot<R>, waiter: Waiter<R>): void {
    this.deadlines.makeExplicit(waiter); // out of the queue while its resource is checked, still waiting
    this.check(slot).then((failure) => {
      if (failure !== undefined) {
        this.retire(slot, 'validate-failed', failure);
        if (!waiter.settled) {
          if (this.closed) this.fail(waiter, this.closedError('acquire'));
          else {
            this.waiters.pushFront(waiter);
            this.dispatch();
          }
        }
        this.fill();
        return;
      }
      slot.checkedAt = coarseNow();
      if (waiter.settled || this.closed) {
        if (this.closed) this.fail(waiter, this.closedError('acquire'));
        this.offer(slot);
      } else if (!this.handTo(waiter, slot)) {
        this.dispatch();
        this.fill();
      }
    });
  }

  /** Runs the provider's validate under its timeout. Resolves undefined when healthy, else with the reason. */
  private check(slot: Slot<R>): Promise<unknown> {
    const validate = this.provider.validate;
    if (validate === undefined) return Promise.resolve(undefined);
    const idleMs = coarseNow() - Math.max(slot.releasedAt, slot.checkedAt);
    return withTimeout((signal) => validate.call(this.provider, slot.resource, { signal, idleMs }), this.opts.validateTimeoutMs, 'validate', this.name).then(
      (healthy) => {
        if (healthy !== false) return undefined;
        this.totals.validationFailures++;
        return new PoolError('POOL_VALIDATE_FAILED', 'validate returned false', { pool: this.name });
      },
      (error: unknown) => {
        this.totals.validationFailures++;
        return error ?? new PoolError('POOL_VALIDATE_FAILED', 'validate threw', { pool: this.name });
      },
    );
  }

  private resetThenOffer(slot: Slot<R>): void {
    const reset = this.provider.reset as NonNullable<ResourceProvider<R>['reset']>;
    let result: Promise<boolean> | boolean;
    try {
      result = reset.call(this.provider, slot.resource);
    } catch (error) {
      this.resetFailed(slot, error);
      return;
    }
    if (result === true) this.offer(slot);
    else if (result === false) this.resetFailed(slot, undefined);
    else {
      withTimeout(() => result, this.opts.resetTimeoutMs, 'reset', this.name).then(
        (ok) => (ok === false ? this.resetFailed(slot, undefined) : this.offer(slot)),
        (error: unknown) => this.resetFailed(slot, error),
      );
    }
  }

  private resetFailed(slot: Slot<R>, error: unknown): void {
    if (error !== undefined) {
      this.report(error instanceof PoolTimeoutError ? error : new PoolError('POOL_RESET_FAILED', `reset failed: ${messageOf(error)}`, { cause: error, pool: this.name }));
    }
    this.retire(slot, 'reset-failed', error);
    this.fill();
  }

  private afterUseError(lease: Lease<R>, error: unknown): void {
    if (lease.released) return;
    const provider = this.provider;
    if (this.classify(() => provider.isFailover?.(error))) {
      lease.destroy(error);
      this.evictAll(error);
    } else if (this.classify(() => provider.isFatal?.(error)) || this.classify(() => provider.isBroken?.(lease.resource))) {
      lease.destroy(error);
    } else {
      lease.release();
    }
  }

  /** A provider classifier that throws counts as a yes: destroying is the safe side. */
  private classify(question: () => boolean | undefined): boolean {
    try {
      return question() === true;
    } catch {
      return true;
    }
  }

  private isBroken(slot: Slot<R>): boolean {
    const isBroken = this.provider.isBroken;
    if (isBroken === undefined) return false;
    try {
      return isBroken.call(this.provider, slot.resource) === true;
    } catch {
      return true;
    }
  }

  // ---------------------------------------------------------------- creating

  private noteShortage(): void {
    const grow = this.opts.grow;
    if (grow === 1) return;
    const size = this.size;
    const chunk = grow === 'double' ? Math.max(1, size) : grow;
    this.growTarget = Math.min(this.opts.max, Math.max(this.growTarget, size + chunk));
  }

  /** Starts the creates the pool needs now (the creator decides how many and when). */
  private fill(): void {
    if (!this.closed) this.creator.fill();
  }

  private created(resource: R, durationMs: number, generation: number): boolean {
    this.totals.created++;
    const lifetime = this.opts.maxLifetimeMs;
    const expiresAt = lifetime === Infinity ? Infinity : Math.ceil(now() + lifetime * (1 - this.opts.maxLifetimeJitter * Math.random()));
    const slot = new Slot<R>(this, resource, coarseNow(), expiresAt, generation);
    this.slots.add(slot);
    this.owned++;
    this.borrowed++;
    if (this.emitter.wants('create')) this.emitter.emit('create', { pool: this.name, resource, durationMs });
    if (this.growTarget <= this.size) this.growTarget = 0;
    if (this.readyWaiters.length > 0 && this.owned >= this.opts.min) {
      for (const ready of this.readyWaiters.splice(0)) ready.resolve();
    }
    if (this.isBroken(slot)) {
      // broken from the start: never lent; the creator counts it as a failed create, so the next is paced
      this.retire(slot, 'broken');
      return false;
    }
    this.offer(slot);
    return true;
  }

  private createFailed(report: PoolError, reject: PoolError | undefined): void {
    this.totals.createErrors++;
    this.growTarget = 0;
    if (this.closed) return;
    for (const ready of this.readyWaiters.splice(0)) ready.reject(report);
    // the first failure of an outage is a warning; the probes that follow it are debug lines
    if (this.creator.failedRounds <= 1) this.report(report);
    else {
      this.log('debug', { code: report.code, error: report.message }, 'create failed again');
      this.emitter.emit('error', report);
    }
    if (reject !== undefined) {
      for (const waiter of this.waiters.drain()) {
        this.totals.rejected++;
        this.fail(waiter, reject);
      }
    }
  }

  /** Adds a given object as an idle resource (Pool.from). */
  private adopt(resource: R): void {
    const slot = new Slot<R>(this, resource, coarseNow(), Infinity, this.generation);
    this.slots.add(slot);
    this.owned++;
    this.totals.created++;
    this.borrowed++;
    this.handOff(slot);
  }

  // ---------------------------------------------------------------- destroying

  /** Takes a busy slot out of the pool for good and destroys its resource under the destroy timeout. */
  private retire(slot: Slot<R>, reason: DestroyReason, error?: unknown): void {
    if (slot.state !== SlotState.Busy) return;
    slot.state = SlotState.Dead; // a lease still holding it (close timed out) now releases as a no-op
    this.borrowed--;
    this.owned--;
    this.slots.delete(slot);
    this.totals.destroyed++;
    if (this.emitter.wants('destroy')) {
      this.emitter.emit('destroy', { pool: this.name, resource: slot.resource, reason, ...(error !== undefined ? { error } : {}) });
    }
    this.destroyResource(slot.resource);
    if (this.closed && this.borrowed === 0) this.onDrained?.();
  }

  private destroyResource(resource: R): void {
    const destroy = this.provider.destroy;
    if (destroy === undefined) return;
    const done: Promise<void> = withTimeout(() => destroy.call(this.provider, resource), this.opts.destroyTimeoutMs, 'destroy', this.name).then(
      () => {
        this.destroying.delete(done);
      },
      (error: unknown) => {
        this.destroying.delete(done);
        this.report(error instanceof PoolTimeoutError ? error : new PoolError('POOL_DESTROY_FAILED', `destroy failed: ${messageOf(error)}`, { cause: error, pool: this.name }));
      },
    );
    this.destroying.add(done);
  }

  /** A create that finished after its deadline or after close: never joins the pool. */
  private destroyLate(resource: R): void {
    this.log('debug', {}, 'destroying a resource whose create finished after its deadline');
    this.destroyResource(resource);
  }

  private async drain(timeoutMs: number): Promise<void> {
    if (this.borrowed > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
        if (timeoutMs !== Infinity) timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.onDrained = undefined;
      if (this.borrowed > 0) {
        const left = this.borrowed;
        this.report(new PoolTimeoutError('close', timeoutMs, `close timed out after ${timeoutMs} ms with ${left} resource(s) still borrowed; destroying them`, { pool: this.name }));
        for (const slot of [...this.slots]) this.retire(slot, 'closed');
      }
    }
    while (this.destroying.size > 0) await Promise.all([...this.destroying]);
  }

  // ---------------------------------------------------------------- maintenance

  private scheduleMaintenance(at: number): void {
    if (at >= this.maintenanceAt || this.closed) return;
    if (this.maintenanceTimer !== undefined) clearTimeout(this.maintenanceTimer);
    this.maintenanceAt = at;
    this.maintenanceTimer = setTimeout(this.onMaintenance, Math.max(0, Math.ceil(at - now())));
    this.maintenanceTimer.unref?.();
  }

  /** The background cleaner: runs at the next due time, does what is due, aims itself at the next. */
  private readonly onMaintenance = (): void => {
    this.maintenanceTimer = undefined;
    this.maintenanceAt = Infinity;
    if (this.closed) return;
    const t = now();
    const { idleTimeoutMs, keepaliveIntervalMs, leakDetectionMs, min } = this.opts;
    let next = Infinity;
    // oldest-released first, so idle eviction takes the coldest resources
    const idle = this.idle.drain();
    for (const slot of idle) {
      slot.state = SlotState.Busy;
      this.borrowed++;
    }
    const keep: Slot<R>[] = [];
    for (const slot of idle) {
      const lastActive = Math.max(slot.releasedAt, slot.checkedAt);
      if (this.isBroken(slot)) this.retire(slot, 'broken');
      else if (t >= slot.expiresAt) this.retire(slot, 'lifetime');
      else if (t - slot.releasedAt >= idleTimeoutMs && this.size > min) this.retire(slot, 'idle');
      else if (keepaliveIntervalMs > 0 && t - lastActive >= keepaliveIntervalMs) this.keepalive(slot);
      else {
        keep.push(slot);
        next = Math.min(next, slot.expiresAt, keepaliveIntervalMs > 0 ? lastActive + keepaliveIntervalMs : Infinity);
        if (this.size > min) next = Math.min(next, slot.releasedAt + idleTimeoutMs);
      }
    }
    for (const slot of keep) {
      slot.state = SlotState.Idle;
      this.borrowed--;
      this.idle.push(slot);
    }
    if (leakDetectionMs > 0) {
      for (const slot of this.slots) {
        if (slot.state !== SlotState.Busy || slot.stack === undefined || slot.leaked) continue; // stack: lent to a caller
        const heldMs = t - slot.borrowedAt;
        if (heldMs >= leakDetectionMs) {
          slot.leaked = true;
          this.totals.leaks++;
          const stack = slot.stack ?? '';
          this.log('warn', { heldMs: Math.round(heldMs), stack }, 'lease held past leakDetectionMs: possible leak');
          this.emitter.emit('leak', { pool: this.name, resource: slot.resource, heldMs, stack });
        } else {
          next = Math.min(next, slot.borrowedAt + leakDetectionMs);
        }
      }
    }
    this.dispatch();
    this.fill();
    if (next !== Infinity) this.scheduleMaintenance(Math.max(next, t + 1));
  };

  private keepalive(slot: Slot<R>): void {
    this.check(slot).then((failure) => {
      if (failure === undefined) {
        slot.checkedAt = coarseNow();
        this.offer(slot);
        return;
      }
      this.report(failure instanceof PoolError ? failure : new PoolError('POOL_VALIDATE_FAILED', `keepalive ping failed: ${messageOf(failure)}`, { cause: failure, pool: this.name }));
      this.retire(slot, 'keepalive-failed', failure);
      this.fill();
    });
  }

  // ---------------------------------------------------------------- reporting

  private closedError(action: string): PoolError {
    return new PoolError('POOL_CLOSED', `cannot ${action}: the pool is closed`, { pool: this.name });
  }

  /** An error away from any caller: an 'error' event (never thrown) and a log line. */
  private report(error: PoolError): void {
    this.log('warn', { code: error.code, error: error.message }, 'pool error');
    this.emitter.emit('error', error);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    this.opts.logger?.[level]({ pool: this.name, ...fields }, message);
  }
}

/** Creates a pool of the resources `provider` makes. Throws POOL_INVALID_OPTION for a bad option. */
export function createPool<R>(provider: ResourceProvider<R>, options?: PoolOptions): Pool<R> {
  return new Pool<R>(provider, options);
}
