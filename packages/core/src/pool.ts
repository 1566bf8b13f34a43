import { coarseNow, now } from './clock.js';
import { Creator } from './creator.js';
import { messageOf, PoolError, PoolOptionError } from './errors.js';
import { PoolEmitter, type PoolEventName, type PoolEvents } from './events.js';
import { Keeper } from './keeper.js';
import type { Lease } from './lease.js';
import type { AcquireOptions } from './acquire-options.js';
import { Lender } from './lender.js';
import { CLOSED, LEASE_LISTENERS, OVER_MAX, PAUSED } from './lender-flags.js';
import { Lifecycle, type CloseOptions } from './lifecycle.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from './options.js';
import { Reporter } from './reporter.js';
import type { ResourceProvider } from './provider.js';
import { ResourceChecks } from './resource-checks.js';
import { Shelf } from './shelf.js';
import { Slot } from './slot.js';
import type { PoolStats, PoolTotals } from './stats.js';
import { runOnLease } from './use.js';
import type { WaitPlace } from './waiting-room.js';

export type { AcquireOptions } from './acquire-options.js';

type Listener<R, K extends PoolEventName> = (payload: PoolEvents<R>[K]) => void;

/**
 * An async resource pool, the public face of its parts (ARCHITECTURE.md): the {@link Lender} lends and takes
 * back, the {@link Creator} makes resources and paces failures, the {@link Keeper} runs the background timer,
 * the {@link Lifecycle} owns every live resource to its destroy, {@link ResourceChecks} runs the provider's
 * hooks. The Pool wires them and runs pause, resize, evictAll and close across them.
 */
export class Pool<R> implements AsyncDisposable {
  readonly name: string;
  private readonly opts: ResolvedOptions;
  private readonly emitter = new PoolEmitter<R>();
  private readonly reporter: Reporter<R>;
  private readonly totals: PoolTotals = {
    created: 0, destroyed: 0, acquired: 0, released: 0, timeouts: 0, aborted: 0, rejected: 0,
    createErrors: 0, validationFailures: 0, leaks: 0,
  };
  private readonly checks: ResourceChecks<R>;
  private readonly shelf: Shelf<R>;
  private readonly lender: Lender<R>;
  private readonly creator: Creator<R>;
  private readonly keeper: Keeper<R>;
  private readonly lifecycle: Lifecycle<R>;
  private readonly readyWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private paused = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Resources owned plus creates in flight: what `max` caps. */
  private readonly size = (): number => this.lifecycle.owned + this.creator.creating;

  constructor(provider: ResourceProvider<R>, options?: PoolOptions) {
    ResourceChecks.assertProvider(provider);
    const opts = this.opts = resolveOptions(options);
    this.name = opts.name;
    const reporter = this.reporter = new Reporter<R>(opts.name, opts.logger, this.emitter);
    const checks = this.checks = new ResourceChecks<R>(provider, opts, this.totals, () => this.fill());
    const shelf = this.shelf = new Shelf<R>(opts.order === 'lifo');
    const isBroken = (slot: Slot<R>): boolean => checks.isBroken(slot);
    const retire: Lifecycle<R>['retire'] = (slot, reason, error) => this.lifecycle.retire(slot, reason, error);
    const fill = this.fill.bind(this);
    const size = this.size;
    this.keeper = new Keeper<R>(opts, this.totals, reporter, {
      size, isBroken, retire,
      takeAllIdle: () => shelf.takeAll(),
      restoreIdle: (slots) => { for (const slot of slots) shelf.put(slot); },
      slots: () => this.lifecycle.slots(),
      validate: (slot) => checks.ping(slot),
      offer: (slot) => this.lender.offer(slot),
      dispatch: () => this.lender.dispatch(),
    });
    const afterReset = (slot: Slot<R>, ok: boolean, error?: unknown): void => {
      if (ok) {
        this.lender.offer(slot);
        return;
      }
      if (error !== undefined) reporter.report(ResourceChecks.failure(error, 'POOL_RESET_FAILED', this.name));
      this.lifecycle.retire(slot, 'reset-failed', error);
      this.fill();
    };
    this.lender = new Lender<R>(opts, { validate: provider.validate !== undefined, isBroken: provider.isBroken !== undefined, reset: provider.reset !== undefined }, this.totals, this.emitter, shelf, {
      size, isBroken, retire, fill, keeper: this.keeper,
      shortage: () => this.creator.shortage(),
      refusal: (timeoutMs) => this.creator.refusal(timeoutMs),
      createMark: () => this.creator.mark,
      expired: (enqueuedAt, deadline, mark, t, borrowed, waiting) => this.creator.timeoutError(enqueuedAt, deadline, mark, t, size() < opts.max, `${borrowed}/${opts.max} borrowed, ${waiting} waiting`),
      validate: (slot) => checks.validate(slot),
      reset: (slot) => checks.reset(slot, afterReset),
      closedError: (action) => this.closedError(action),
    });
    this.lifecycle = new Lifecycle<R>(provider, opts, this.totals, reporter, {
      borrowed: () => this.shelf.borrowed,
      discharge: (slot) => this.shelf.discharge(slot),
    });
    this.creator = new Creator<R>(provider, opts, {
      uncovered: () => checks.returning.cover(this.lender.waiting - this.creator.creating - this.shelf.idleCount),
      size,
      generation: () => this.lender.generation,
      created: (resource, durationMs, generation) => this.created(resource, durationMs, generation),
      failed: (report, reject, limit) => this.createFailed(report, reject, limit),
      availability: (unavailable, cause) => reporter.availability(unavailable, cause, this.creator.failedRounds),
      late: (resource) => {
        reporter.log('debug', {}, 'destroying a resource whose create finished after its deadline');
        this.lifecycle.destroy(resource);
      },
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
    for (const item of list) pool.lender.handOff(pool.join(item, Infinity, pool.lender.generation));
    return pool;
  }

  /** The options in force (min and max follow `resize`). */
  get options(): Readonly<ResolvedOptions> {
    return this.opts;
  }

  /**
   * Borrows a resource. Resolves with a {@link Lease}; rejects with POOL_TIMEOUT, POOL_ABORTED,
   * POOL_QUEUE_FULL, POOL_CLOSED, POOL_UNAVAILABLE or POOL_CREATE_FAILED.
   */
  acquire(options?: AcquireOptions): Promise<Lease<R>> {
    return this.lender.acquire(options);
  }

  /**
   * Synchronously lends an idle resource, with no promise and no timer: a Lease, or undefined when
   * none can be lent without waiting (none idle, callers queued, paused, closed, or due for validation).
   */
  tryAcquire(): Lease<R> | undefined {
    return this.lender.tryAcquire();
  }

  /**
   * `acquire(options)` for a caller that may also give up without its signal (an adapter's liveness
   * watchdog): if it has to wait, `place` records where, and `withdraw(place, error)` takes it out of line.
   */
  acquireWithdrawable(place: WaitPlace, options?: AcquireOptions): Promise<Lease<R>> {
    if (typeof place !== 'object' || place === null) return Promise.reject(new PoolOptionError('place', 'Expected acquireWithdrawable(place) to get an object to record the wait in, e.g. { ticket: undefined }'));
    place.ticket = undefined;
    return this.lender.acquire(options, place);
  }

  /** Rejects the caller `place` recorded (this pool's) with `error` if it still waits: true, counted in `totals[counted]`. */
  withdraw(place: WaitPlace, error: unknown, counted: 'aborted' | 'rejected' = 'aborted'): boolean {
    if (typeof place !== 'object' || place === null) throw new PoolOptionError('place', 'Expected withdraw(place, error) to get the object given to acquireWithdrawable');
    if (counted !== 'aborted' && counted !== 'rejected') throw new PoolOptionError('counted', `Expected withdraw's third argument to be 'aborted' (the caller gave up) or 'rejected' (the pool failed it), got ${String(counted)}`);
    return this.lender.withdraw(place, error, counted);
  }

  /**
   * Runs `fn` with a borrowed resource: released after success, destroyed after an error the provider
   * calls fatal (or when broken), every resource evicted after a failover error. `options` are acquire's
   * (`timeoutMs` bounds the wait); a `signal` aborting while `fn` runs rejects with POOL_ABORTED and
   * destroys the resource at once, never reused.
   */
  async use<T>(fn: (resource: R, lease: Lease<R>) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    const lease = await this.acquire(options);
    return runOnLease(lease, fn, options?.signal, (held, error) => {
      if (held.released) return;
      const verdict = this.checks.afterUseError(held.resource, error);
      if (verdict === 'release') held.release();
      else held.destroy(error);
      if (verdict === 'failover') this.evictAll(error);
    }, () => this.totals.aborted++, this.name);
  }

  /** Resolves once `min` resources exist; rejects with the create error (POOL_CREATE_FAILED) if one fails first. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError('ready'));
    if (this.lifecycle.owned >= this.opts.min) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

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
    while (this.size() > this.opts.max && this.shelf.idleCount > 0) this.lifecycle.retire(this.shelf.take() as Slot<R>, 'resized');
    if (this.size() > this.opts.max) this.lender.setFlag(OVER_MAX, true);
    this.lender.dispatch();
  }

  /** Stops handing out resources (HikariCP's suspend): acquires wait until `resume()` or their deadline. */
  pause(): void {
    this.paused = true;
    this.lender.setFlag(PAUSED, true);
  }

  /** Hands resources out again, to the waiters first. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lender.setFlag(PAUSED, false);
    this.lender.dispatch();
  }

  /**
   * Replaces every resource: idle ones are destroyed now, borrowed ones when released, and creates
   * already in flight are discarded when they finish (failover: a role change, Redis READONLY).
   */
  evictAll(reason?: unknown): void {
    if (this.closed) return;
    this.lender.generation++;
    this.reporter.log('warn', { reason: reason === undefined ? undefined : messageOf(reason) }, 'evicting every resource');
    for (const slot of this.shelf.takeAll()) this.lifecycle.retire(slot, 'evicted', reason);
    this.fill();
  }

  /**
   * Closes the pool: new acquires and waiters reject with POOL_CLOSED, creates are abandoned, idle
   * resources destroyed; then it waits for borrowed leases up to `timeoutMs` (a later call's, if
   * sooner) and destroys the rest (their leases become no-ops). Resolves when every destroy has
   * finished or timed out. A later call returns the same promise.
   */
  close(options?: CloseOptions): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? 30_000;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(new PoolOptionError('timeoutMs', `Expected \`timeoutMs\` to be a number >= 0, got ${String(timeoutMs)}`));
    if (this.closing !== undefined) {
      if (options?.timeoutMs !== undefined) this.lifecycle.shortenDrain(timeoutMs);
      return this.closing;
    }
    this.closed = true;
    this.lender.setFlag(CLOSED, true);
    this.keeper.stop();
    const error = this.closedError('acquire');
    this.lender.failAll(error);
    this.creator.close(error);
    for (const slot of this.shelf.takeAll()) this.lifecycle.retire(slot, 'closed');
    for (const ready of this.readyWaiters.splice(0)) ready.reject(this.closedError('ready'));
    this.reporter.log('info', { borrowed: this.shelf.borrowed }, 'closing');
    this.closing = this.lifecycle.drain(timeoutMs);
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of sizes and running totals. */
  stats(): PoolStats {
    return {
      name: this.name, size: this.size(), idle: this.shelf.idleCount, borrowed: this.shelf.borrowed,
      creating: this.creator.creating, pending: this.lender.waiting, min: this.opts.min, max: this.opts.max,
      paused: this.paused, closed: this.closed, unavailable: this.creator.unavailable,
      totals: { ...this.totals, acquired: this.lender.acquired, released: this.lender.released },
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
    this.lender.setFlag(LEASE_LISTENERS, this.emitter.listenerCount('acquire') + this.emitter.listenerCount('release') > 0);
  }

  private fill(): void {
    if (!this.closed) this.creator.fill();
  }

  /** A resource joins as a busy slot; returns it. */
  private join(resource: R, expiresAt: number, generation: number): Slot<R> {
    const slot = new Slot<R>(this.lender, resource, coarseNow(), expiresAt, generation);
    this.lifecycle.join(slot);
    this.shelf.admit(slot);
    return slot;
  }

  private created(resource: R, durationMs: number, generation: number): boolean {
    const lifetime = this.opts.maxLifetimeMs;
    const expiresAt = lifetime === Infinity ? Infinity : Math.ceil(now() + lifetime * (1 - this.opts.maxLifetimeJitter * Math.random()));
    const slot = this.join(resource, expiresAt, generation);
    this.checks.returning.created(durationMs);
    if (this.emitter.wants('create')) this.emitter.emit('create', { pool: this.name, resource, durationMs });
    if (this.readyWaiters.length > 0 && this.lifecycle.owned >= this.opts.min) {
      for (const ready of this.readyWaiters.splice(0)) ready.resolve();
    }
    if (this.checks.isBroken(slot)) {
      // broken from the start: never lent; the creator counts it as a failed create, so the next is paced
      this.lifecycle.retire(slot, 'broken');
      return false;
    }
    this.lender.offer(slot);
    return true;
  }

  private createFailed(report: PoolError, reject: PoolError | undefined, limit: number): void {
    this.totals.createErrors++;
    if (this.closed) return;
    for (const ready of this.readyWaiters.splice(0)) ready.reject(report);
    this.reporter.report(report, this.creator.failedRounds > 1); // the probes after an outage's first failure: debug lines
    if (reject !== undefined && limit > 0) this.totals.rejected += this.lender.failAll(reject, limit);
  }

  private closedError(action: string): PoolError {
    return new PoolError('POOL_CLOSED', `cannot ${action}: the pool is closed`, { pool: this.name });
  }
}

/** Creates a pool of the resources `provider` makes. Throws POOL_INVALID_OPTION for a bad option. */
export function createPool<R>(provider: ResourceProvider<R>, options?: PoolOptions): Pool<R> {
  return new Pool<R>(provider, options);
}
