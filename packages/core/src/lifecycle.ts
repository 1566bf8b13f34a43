import { now } from './clock.js';
import { PoolTimeoutError } from './errors.js';
import type { DestroyReason } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { ResourceProvider } from './provider.js';
import type { Reporter } from './reporter.js';
import { ResourceChecks } from './resource-checks.js';
import { SlotState, type Slot } from './slot.js';
import type { PoolTotals } from './stats.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link Pool.close}. */
export interface CloseOptions {
  /** How long to wait for borrowed leases before destroying them anyway. @default 30000 */
  timeoutMs?: number;
}

/** What the lifecycle needs of the other parts. */
export interface LifecycleHost<R> {
  /** Busy slots (lent or held for a ping or reset). */
  borrowed(): number;
  /** Marks a busy slot dead (it leaves the lender's count). */
  discharge(slot: Slot<R>): void;
}

/**
 * Every resource the pool owns, from the moment it joins to its destroy: the registry of live slots
 * (`owned` is its size), retiring (destroy under `destroyTimeoutMs`, never awaited by a caller) and
 * close's drain: wait for the leases out, up to a timeout, then destroy the rest.
 */
export class Lifecycle<R> {
  private readonly live = new Set<Slot<R>>();
  private readonly destroying = new Set<Promise<void>>();
  private onDrained: (() => void) | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private drainDeadline = Infinity;
  private closing = false;

  constructor(
    private readonly provider: ResourceProvider<R>,
    private readonly opts: ResolvedOptions,
    private readonly totals: PoolTotals,
    private readonly reporter: Reporter<R>,
    private readonly host: LifecycleHost<R>,
  ) {}

  /** Resources owned (idle or busy). */
  get owned(): number {
    return this.live.size;
  }

  slots(): Iterable<Slot<R>> {
    return this.live;
  }

  /** A new resource joins (created, or adopted by Pool.from). */
  join(slot: Slot<R>): void {
    this.live.add(slot);
    this.totals.created++;
  }

  /** Takes a busy slot out of the pool for good and destroys its resource under the destroy timeout. */
  retire(slot: Slot<R>, reason: DestroyReason, error?: unknown): void {
    if (slot.state !== SlotState.Busy) return;
    this.host.discharge(slot);
    this.live.delete(slot);
    this.totals.destroyed++;
    if (this.reporter.emitter.wants('destroy')) {
      this.reporter.emitter.emit('destroy', { pool: this.opts.name, resource: slot.resource, reason, ...(error !== undefined ? { error } : {}) });
    }
    this.destroy(slot.resource);
    if (this.closing && this.host.borrowed() === 0) this.onDrained?.();
  }

  /** Destroys a resource that never joined (a create that finished after it was given up). */
  destroy(resource: R): void {
    const destroy = this.provider.destroy;
    if (destroy === undefined) return;
    const done: Promise<void> = withTimeout(() => destroy.call(this.provider, resource), this.opts.destroyTimeoutMs, 'destroy', this.opts.name).then(
      () => {
        this.destroying.delete(done);
      },
      (error: unknown) => {
        this.destroying.delete(done);
        this.reporter.report(ResourceChecks.failure(error, 'POOL_DESTROY_FAILED', this.opts.name));
      },
    );
    this.destroying.add(done);
  }

  /** After close: resolves once every lease is back (or `timeoutMs` passed: the rest are destroyed) and every destroy has finished. */
  async drain(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.host.borrowed() > 0) {
      const started = now();
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
        this.waitUntil(started + timeoutMs);
      });
      clearTimeout(this.drainTimer);
      this.onDrained = undefined;
      const left = this.host.borrowed();
      if (left > 0) {
        const limit = Math.round(this.drainDeadline - started);
        this.reporter.report(new PoolTimeoutError('close', limit, `close timed out after ${limit} ms with ${left} resource(s) still borrowed; destroying them`, { pool: this.opts.name }));
        for (const slot of [...this.live]) this.retire(slot, 'closed');
      }
    }
    while (this.destroying.size > 0) await Promise.all([...this.destroying]);
  }

  /** A later close() asking for a sooner deadline: the wait for the leases out ends by then (never later). */
  shortenDrain(timeoutMs: number): void {
    if (this.onDrained === undefined) return;
    const at = now() + timeoutMs;
    if (at < this.drainDeadline) this.waitUntil(at);
  }

  private waitUntil(at: number): void {
    this.drainDeadline = at;
    clearTimeout(this.drainTimer);
    if (at !== Infinity) this.drainTimer = setTimeout(this.onDrained as () => void, Math.max(0, at - now()));
  }
}
