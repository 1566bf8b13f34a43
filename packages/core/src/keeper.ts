import { Alarm } from './alarm.js';
import { coarseNow, now } from './clock.js';
import { messageOf, PoolError } from './errors.js';
import type { DestroyReason } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { Reporter } from './reporter.js';
import { SlotState, type Slot } from './slot.js';
import type { PoolTotals } from './stats.js';

/** What the keeper needs of the other parts. */
export interface KeeperHost<R> {
  /** Resources owned plus creates in flight. */
  size(): number;
  /** Takes every idle resource out of the ring, oldest released first (they become busy). */
  takeAllIdle(): Slot<R>[];
  /** Puts slots taken by `takeAllIdle` back into the ring, in order. */
  restoreIdle(slots: Slot<R>[]): void;
  /** Every live slot, for leak detection. */
  slots(): Iterable<Slot<R>>;
  isBroken(slot: Slot<R>): boolean;
  retire(slot: Slot<R>, reason: DestroyReason, error?: unknown): void;
  /** Pings a resource (a keepalive); resolves undefined when healthy, else with the failure. */
  validate(slot: Slot<R>): Promise<unknown>;
  /** A slot back from its keepalive ping: offered with the pool-wide rules. */
  offer(slot: Slot<R>): void;
  /** After a sweep or a lost resource: serve waiters, refill `min`. */
  dispatch(): void;
}

/**
 * The background cleaner: ONE timer, aimed at the next due time (idle expiry, lifetime, keepalive,
 * leak; with `maxIdle`, a second after each release), unref'd so an idle pool never keeps the
 * process alive. It wakes, does what is due, and aims itself at the next; an early wake-up is harmless.
 */
export class Keeper<R> {
  private readonly alarm = new Alarm(() => this.sweep(), true);
  private stopped = false;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly totals: PoolTotals,
    private readonly reporter: Reporter<R>,
    private readonly host: KeeperHost<R>,
  ) {}

  /** When the keeper wakes next (Infinity: not armed). */
  get wakeAt(): number {
    return this.alarm.at;
  }

  /** Makes sure the keeper wakes by `at`. */
  wakeBy(at: number): void {
    if (!this.stopped) this.alarm.setBy(at);
  }

  stop(): void {
    this.stopped = true;
    this.alarm.stop();
  }

  private sweep(): void {
    if (this.stopped) return;
    const host = this.host;
    const t = now();
    const { idleTimeoutMs, keepaliveIntervalMs: keepalive, leakDetectionMs, min } = this.opts;
    let next = Infinity;
    const keep: Slot<R>[] = [];
    for (const slot of host.takeAllIdle()) {
      const lastActive = Math.max(slot.releasedAt, slot.checkedAt);
      if (host.isBroken(slot)) host.retire(slot, 'broken');
      else if (t >= slot.expiresAt) host.retire(slot, 'lifetime');
      else if (t - slot.releasedAt >= idleTimeoutMs && host.size() > min) host.retire(slot, 'idle');
      else if (keepalive > 0 && t - lastActive >= keepalive) this.keepalive(slot);
      else {
        keep.push(slot);
        next = Math.min(next, slot.expiresAt, keepalive > 0 ? lastActive + keepalive : Infinity);
        if (host.size() > min) next = Math.min(next, slot.releasedAt + idleTimeoutMs);
      }
    }
    // mysql2's maxIdle: the least recently used beyond it go (`keep` is oldest released first)
    let surplus = keep.length - this.opts.maxIdle;
    while (surplus-- > 0 && host.size() > min) host.retire(keep.shift() as Slot<R>, 'idle');
    host.restoreIdle(keep);
    if (leakDetectionMs > 0) {
      for (const slot of host.slots()) {
        if (slot.state !== SlotState.Busy || slot.stack === undefined || slot.leaked) continue; // stack: lent to a caller
        const heldMs = t - slot.borrowedAt;
        if (heldMs >= leakDetectionMs) {
          slot.leaked = true;
          this.totals.leaks++;
          const stack = slot.stack as string;
          this.reporter.log('warn', { heldMs: Math.round(heldMs), stack }, 'lease held past leakDetectionMs: possible leak');
          this.reporter.emitter.emit('leak', { pool: this.opts.name, resource: slot.resource, heldMs, stack });
        } else {
          next = Math.min(next, slot.borrowedAt + leakDetectionMs);
        }
      }
    }
    host.dispatch();
    if (next !== Infinity) this.wakeBy(Math.max(next, t + 1));
  }

  private keepalive(slot: Slot<R>): void {
    this.host.validate(slot).then((failure) => {
      if (failure !== undefined) {
        this.reporter.report(failure instanceof PoolError ? failure : new PoolError('POOL_VALIDATE_FAILED', `keepalive ping failed: ${messageOf(failure)}`, { cause: failure, pool: this.opts.name }));
        this.host.retire(slot, 'keepalive-failed', failure);
        this.host.dispatch();
        return;
      }
      slot.checkedAt = coarseNow();
      this.host.offer(slot);
    });
  }
}
