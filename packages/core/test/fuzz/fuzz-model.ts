import type * as CoreModule from '../../src/index.js';
import type { Lease, Pool, PoolOptions, PoolStats, WaitPlace } from '../../src/index.js';
import { ChaosProvider, FatalError, type Chaos, type Faults } from './chaos-provider.js';
import type { VirtualClock } from './virtual-clock.js';

/** The @pool/core module under test (the real one, or a copy named by POOL_FUZZ_CORE). */
export type Core = typeof CoreModule;

/** One promise the fuzzer started; every one must settle. */
export interface Tracked {
  readonly id: number;
  readonly kind: 'acquire' | 'use' | 'close' | 'ready';
  readonly startedAt: number;
  /** When an acquire must have settled by (Infinity for close/ready). */
  readonly deadline: number;
  readonly controller: AbortController | undefined;
  /** Set for an acquireWithdrawable: where its wait is recorded. */
  readonly place?: WaitPlace;
  readonly startedClosed: boolean;
  settled: boolean;
  aborted: boolean;
  /** use(): its fn is running now (the acquire part is over). */
  inFn: boolean;
  outcome?: string;
}

/** A resource a client of the fuzzer holds. */
interface Holding {
  lease: Lease<Chaos>;
  via: 'acquire' | 'use';
}

const ACQUIRE_CODES = new Set(['POOL_TIMEOUT', 'POOL_CLOSED', 'POOL_QUEUE_FULL', 'POOL_CREATE_FAILED', 'POOL_ABORTED', 'POOL_UNAVAILABLE']);

/**
 * The fuzzer's side of one run: the pool, the chaos provider, what the clients hold and wait for,
 * and the invariants checked after every step.
 */
export class FuzzModel {
  readonly pool: Pool<Chaos>;
  readonly provider: ChaosProvider;
  readonly violations: string[] = [];
  /** Resources held by clients right now. */
  readonly held = new Map<Chaos, Holding>();
  /** Leases from acquire() the clients have not given back yet, oldest first. */
  readonly leases: Lease<Chaos>[] = [];
  /** Some leases already given back, for misuse. */
  readonly returned: { lease: Lease<Chaos>; revoked: boolean }[] = [];
  readonly tracked: Tracked[] = [];
  closed = false;
  paused = false;
  /** Largest `max` the pool ever had (size may exceed the current max after a shrink, never this). */
  maxEver: number;
  /** Invariant checks run (after every command, and three more at the end of a run). */
  steps = 0;
  /** Commands executed: what counts toward the fuzzer's operation total (the end-of-run checks do not). */
  commands = 0;
  /** Leases handed to the fuzzer's clients (acquire resolutions and use() calls of fn). */
  received = 0;
  private nextId = 1;

  constructor(
    readonly core: Core,
    readonly clock: VirtualClock,
    readonly options: Required<Pick<PoolOptions, 'acquireTimeoutMs' | 'createTimeoutMs' | 'resetTimeoutMs' | 'destroyTimeoutMs' | 'maxConcurrentCreates' | 'max'>> & PoolOptions,
    faults: Faults,
    random: () => number,
  ) {
    this.provider = new ChaosProvider(random, clock, faults, options.createTimeoutMs, options.resetTimeoutMs, options.destroyTimeoutMs, (r) => this.isHeld(r));
    this.pool = core.createPool(this.provider.asProvider(), { ...options, name: 'fuzz' });
    this.maxEver = options.max;
    this.pool.on('error', (error) => {
      if (!core.isPoolError(error)) this.violations.push(`'error' event with a non-PoolError: ${String(error)}`);
    });
  }

  /** True while a client holds `resource` through a lease the pool has not revoked. */
  isHeld(resource: Chaos): boolean {
    const holding = this.held.get(resource);
    return holding !== undefined && !holding.lease.released;
  }

  private track(kind: Tracked['kind'], timeoutMs: number, controller?: AbortController, place?: WaitPlace): Tracked {
    const t: Tracked = {
      id: this.nextId++, kind, startedAt: this.clock.now, deadline: this.clock.now + timeoutMs, controller, place,
      startedClosed: this.closed, settled: false, aborted: false, inFn: false,
    };
    this.tracked.push(t);
    return t;
  }

  /** A client receives `lease` (from acquire, or inside use): the checks every hand-out must pass. */
  private receive(t: Tracked, lease: Lease<Chaos>, via: Holding['via']): void {
    const r = lease.resource;
    const where = `${t.kind} #${t.id}`;
    this.received++;
    if (this.isHeld(r)) this.violations.push(`${where} got resource #${r.id}, which another client still holds`);
    if (r.destroyed) this.violations.push(`${where} got resource #${r.id}, already destroyed`);
    if (r.hooks > 0) this.violations.push(`${where} got resource #${r.id} while its validate/reset is still running`);
    if (r.broken && this.provider.hasIsBroken) this.violations.push(`${where} got resource #${r.id}, which isBroken() reports broken`);
    if (this.clock.now > t.deadline + 1) this.violations.push(`${where} resolved at ${this.clock.now - t.startedAt} ms, past its ${t.deadline - t.startedAt} ms deadline`);
    if (this.closed) this.violations.push(`${where} resolved after close()`);
    this.held.set(r, { lease, via });
  }

  private checkRejection(t: Tracked, error: unknown, allowOther: (error: unknown) => boolean): void {
    const where = `${t.kind} #${t.id}`;
    if (!this.core.isPoolError(error)) {
      if (!allowOther(error)) this.violations.push(`${where} rejected with a non-pool error: ${String(error)}`);
      return;
    }
    const code = error.code;
    if (!ACQUIRE_CODES.has(code)) this.violations.push(`${where} rejected with unexpected code ${code}`);
    if (code === 'POOL_ABORTED' && !t.aborted) this.violations.push(`${where} rejected POOL_ABORTED but was never aborted`);
    if (code === 'POOL_CLOSED' && !this.closed) this.violations.push(`${where} rejected POOL_CLOSED on an open pool`);
    if (code === 'POOL_QUEUE_FULL' && (this.options.maxWaiting ?? Infinity) === Infinity) this.violations.push(`${where} rejected POOL_QUEUE_FULL with maxWaiting Infinity`);
    if (code === 'POOL_UNAVAILABLE' && this.options.failFast === false) this.violations.push(`${where} rejected POOL_UNAVAILABLE with failFast off`);
    if ((code === 'POOL_TIMEOUT' || code === 'POOL_CREATE_FAILED') && !t.inFn && this.clock.now < t.deadline - 1) {
      this.violations.push(`${where} rejected ${code} at ${this.clock.now - t.startedAt} ms, before its ${t.deadline - t.startedAt} ms deadline`);
    }
    if (t.startedClosed && code !== 'POOL_CLOSED') this.violations.push(`${where} started after close() but rejected ${code}`);
  }

  acquire(timeoutMs: number | undefined, priority: number, abortable: boolean): Tracked {
    const controller = abortable ? new AbortController() : undefined;
    const t = this.track('acquire', timeoutMs ?? this.options.acquireTimeoutMs, controller);
    const options = { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(priority !== 0 ? { priority } : {}), ...(controller ? { signal: controller.signal } : {}) };
    this.settleAcquire(t, this.pool.acquire(options));
    return t;
  }

  /** An acquire through acquireWithdrawable, as the pg and mysql drop-ins make for a watched call. */
  acquireWithdrawable(): Tracked {
    const place: WaitPlace = { ticket: undefined };
    const t = this.track('acquire', this.options.acquireTimeoutMs, undefined, place);
    this.settleAcquire(t, this.pool.acquireWithdrawable(place));
    return t;
  }

  private settleAcquire(t: Tracked, acquiring: Promise<Lease<Chaos>>): void {
    acquiring.then(
      (lease) => {
        t.settled = true;
        t.outcome = `lease #${lease.resource.id}`;
        this.receive(t, lease, 'acquire');
        this.leases.push(lease);
      },
      (error: unknown) => {
        t.settled = true;
        t.outcome = this.core.isPoolError(error) ? error.code : String(error);
        this.checkRejection(t, error, () => false);
      },
    );
  }

  use(holdMs: number, ending: 'ok' | 'throw' | 'fatal' | 'break', timeoutMs: number | undefined, abortable: boolean): Tracked {
    const controller = abortable ? new AbortController() : undefined;
    const t = this.track('use', timeoutMs ?? this.options.acquireTimeoutMs, controller);
    const thrown = ending === 'fatal' ? new FatalError('fuzz: fatal error in use') : new Error('fuzz: error in use');
    const fn = (resource: Chaos, lease: Lease<Chaos>) => {
      t.inFn = true;
      this.receive(t, lease, 'use');
      return new Promise<number>((resolve, reject) => {
        this.clock.setTimeout(() => {
          if (this.held.get(resource)?.lease === lease) this.held.delete(resource);
          if (ending === 'ok') resolve(resource.id);
          else {
            if (ending === 'break') resource.broken = true;
            reject(thrown);
          }
        }, holdMs, []);
      });
    };
    const options = { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(controller ? { signal: controller.signal } : {}) };
    this.pool.use(fn, options).then(
      (id) => {
        t.settled = true;
        t.outcome = `used #${id}`;
        if (ending !== 'ok') this.violations.push(`use #${t.id} resolved although its fn threw`);
      },
      (error: unknown) => {
        t.settled = true;
        t.outcome = this.core.isPoolError(error) ? error.code : String(error);
        this.checkRejection(t, error, (e) => e === thrown && ending !== 'ok');
      },
    );
    return t;
  }

  release(index: number, destroy: boolean): void {
    if (this.leases.length === 0) return;
    const lease = this.leases.splice(index % this.leases.length, 1)[0]!;
    const resource = lease.resource;
    this.held.delete(resource);
    const revoked = lease.released;
    if (revoked && !this.closed) this.violations.push(`lease of #${resource.id} was revoked while the pool is open`);
    try {
      if (destroy) lease.destroy(new Error('fuzz: destroyed by client'));
      else lease.release();
    } catch (error) {
      this.violations.push(`${destroy ? 'destroy' : 'release'} of a held lease (#${resource.id}) threw: ${String(error)}`);
    }
    if (!revoked && !destroy && !this.closed) {
      // given back to an open pool: gone for good if broken, never in two places
      if (resource.broken && this.provider.hasIsBroken && !resource.destroyed) this.violations.push(`broken resource #${resource.id} was not destroyed on release`);
    }
    if (destroy && !revoked && !resource.destroyed) this.violations.push(`lease.destroy() did not destroy resource #${resource.id}`);
    this.returned.push({ lease, revoked });
    if (this.returned.length > 8) this.returned.shift();
  }

  misuse(index: number): void {
    if (this.returned.length === 0) return;
    const { lease, revoked } = this.returned[index % this.returned.length]!;
    const before = JSON.stringify(this.pool.stats());
    try {
      if (index % 2 === 0) lease.release();
      else lease.destroy();
      if (!revoked) this.violations.push(`a second release/destroy of lease #${lease.resource.id} did not throw`);
    } catch (error) {
      if (!this.core.isPoolError(error, 'POOL_LEASE_RELEASED')) this.violations.push(`a second release threw ${String(error)} instead of POOL_LEASE_RELEASED`);
    }
    const after = JSON.stringify(this.pool.stats());
    if (before !== after) this.violations.push(`a second release changed the stats:\n  before ${before}\n  after  ${after}`);
  }

  abort(index: number): Tracked | undefined {
    const open = this.tracked.filter((t) => !t.settled && t.controller !== undefined && !t.aborted);
    if (open.length === 0) return undefined;
    const t = open[index % open.length]!;
    t.aborted = true;
    t.controller!.abort(new Error('fuzz: aborted'));
    return t;
  }

  /** Withdraws a pending withdrawable acquire; `taken`: the pool said it was still waiting (in line or held for a validation). */
  withdraw(index: number): { t: Tracked; taken: boolean; pendingBefore: number } | undefined {
    const open = this.tracked.filter((t) => !t.settled && t.place !== undefined && !t.aborted);
    if (open.length === 0) return undefined;
    const t = open[index % open.length]!;
    t.aborted = true;
    const pendingBefore = this.pool.stats().pending;
    const taken = this.pool.withdraw(t.place!, new this.core.PoolError('POOL_ABORTED', 'fuzz: withdrawn'));
    return { t, taken, pendingBefore };
  }

  resize(min: number, max: number): void {
    try {
      this.pool.resize({ min, max });
      this.maxEver = Math.max(this.maxEver, max);
    } catch (error) {
      this.violations.push(`resize({ min: ${min}, max: ${max} }) threw ${String(error)}`);
    }
  }

  close(timeoutMs: number): void {
    const t = this.track('close', Infinity);
    this.closed = true;
    this.pool.close({ timeoutMs }).then(
      () => {
        t.settled = true;
        t.outcome = 'closed';
      },
      (error: unknown) => {
        t.settled = true;
        this.violations.push(`close() rejected: ${String(error)}`);
      },
    );
  }

  ready(): void {
    const t = this.track('ready', Infinity);
    this.pool.ready().then(
      () => {
        t.settled = true;
        t.outcome = 'resolved';
      },
      (error: unknown) => {
        t.settled = true;
        t.outcome = this.core.isPoolError(error) ? error.code : String(error);
        if (!this.core.isPoolError(error)) this.violations.push(`ready() rejected with a non-pool error: ${String(error)}`);
      },
    );
  }

  /** Marks a held or idle resource broken, as a socket closing under it would. */
  breakOne(index: number): void {
    const candidates = [...this.provider.live].filter((r) => r.hooks === 0 && (this.isHeld(r) || !this.held.has(r)));
    if (candidates.length === 0) return;
    candidates[index % candidates.length]!.broken = true;
  }

  /** The invariants that must hold whenever the pool is at rest (after a step's microtasks). */
  check(label: string): void {
    this.steps++;
    const s: PoolStats = this.pool.stats();
    const v = this.violations;
    if (s.size !== s.idle + s.borrowed + s.creating) v.push(`size ${s.size} != idle ${s.idle} + borrowed ${s.borrowed} + creating ${s.creating}`);
    if (s.totals.created - s.totals.destroyed !== s.size - s.creating) {
      v.push(`totals.created ${s.totals.created} - totals.destroyed ${s.totals.destroyed} != size ${s.size} - creating ${s.creating}`);
    }
    if (s.size > this.maxEver) v.push(`size ${s.size} > max ${this.maxEver}`);
    if (s.size > s.max && s.idle > 0) v.push(`size ${s.size} > max ${s.max} with ${s.idle} idle`);
    if (s.creating > this.options.maxConcurrentCreates) v.push(`${s.creating} creates in flight > maxConcurrentCreates ${this.options.maxConcurrentCreates}`);
    if (this.provider.live.size !== s.idle + s.borrowed) {
      v.push(`provider has ${this.provider.live.size} live resources, pool accounts for idle ${s.idle} + borrowed ${s.borrowed}`);
    }
    if (!s.paused && !s.closed && s.pending > 0 && s.idle > 0) v.push(`${s.pending} callers wait while ${s.idle} resources sit idle`);
    if (s.closed && (s.idle > 0 || s.pending > 0 || s.creating > 0)) v.push(`closed pool still has idle ${s.idle}, pending ${s.pending}, creating ${s.creating}`);
    let holding = 0;
    for (const [r, h] of this.held) {
      if (h.lease.released) continue;
      holding++;
      if (r.destroyed) v.push(`resource #${r.id} was destroyed while a client holds it`);
    }
    if (s.totals.acquired !== this.received) v.push(`totals.acquired ${s.totals.acquired} != ${this.received} leases the callers actually received`);
    if (holding > s.borrowed) v.push(`clients hold ${holding} leases, pool counts ${s.borrowed} borrowed`);
    for (const t of this.tracked) {
      if (!t.settled && (t.kind === 'acquire' || (t.kind === 'use' && !t.inFn)) && this.clock.now > t.deadline + 1) {
        v.push(`${t.kind} #${t.id} still pending ${this.clock.now - t.startedAt} ms after it started, past its ${t.deadline - t.startedAt} ms deadline`);
      }
    }
    if (this.provider.violations.length > 0) v.push(...this.provider.violations.splice(0));
    if (this.clock.callbackErrors.length > 0) v.push(...this.clock.callbackErrors.splice(0).map((e) => `a timer callback threw: ${String(e)}`));
    if (v.length > 0) {
      const message = `invariant broken after step ${this.steps} (${label}) at t=${this.clock.now}:\n- ${v.join('\n- ')}\nstats: ${JSON.stringify(s)}`;
      v.length = 0;
      throw new Error(message);
    }
  }
}
