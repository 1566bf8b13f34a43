import type { ResourceProvider } from '../../src/index.js';
import type { VirtualClock } from './virtual-clock.js';

/** Probabilities (0..1) and delay bounds of the provider's misbehaviour, drawn per run. */
export interface Faults {
  createFail: number;
  /** Hangs until the pool aborts the signal (bounded: gives up after 10 s). */
  createHang: number;
  /** Ignores the signal and resolves after the create timeout: the pool must destroy the late resource. */
  createLate: number;
  validateFalse: number;
  validateThrow: number;
  /** Hangs until the signal aborts (bounded). */
  validateHang: number;
  resetFalse: number;
  resetThrow: number;
  /** Reset gets no signal: hangs past resetTimeoutMs, then resolves true late (bounded). */
  resetHang: number;
  destroyThrow: number;
  /** Hangs past destroyTimeoutMs, then resolves (bounded). */
  destroyHang: number;
  /** A hook answers synchronously (no promise) with this probability. */
  sync: number;
  /** Upper bound of a normal hook's delay, in virtual ms. */
  maxDelayMs: number;
  /** Which optional hooks the provider has (create, destroy and isFatal always exist). */
  hooks: { validate: boolean; reset: boolean; isBroken: boolean };
}

/** A pooled thing: knows whether it was destroyed, broken, or is in a hook right now. */
export interface Chaos {
  readonly id: number;
  broken: boolean;
  destroyed: boolean;
  /** validate or reset calls still running (abandoned ones included). */
  hooks: number;
}

/** An error the provider calls fatal (destroy the resource). */
export class FatalError extends Error {}

/**
 * A provider whose every hook randomly succeeds, fails, throws, hangs (bounded) or answers late,
 * and which records any call the pool should never make (`violations`).
 */
export class ChaosProvider implements ResourceProvider<Chaos> {
  readonly violations: string[] = [];
  /** Resources whose create resolved. */
  created = 0;
  /** Resources whose destroy was called. */
  destroyed = 0;
  /** Created and not yet destroyed. */
  readonly live = new Set<Chaos>();
  /** Creates started and not yet settled from the provider's side. */
  createsRunning = 0;
  private nextId = 1;

  constructor(
    private readonly random: () => number,
    private readonly clock: VirtualClock,
    private readonly faults: Faults,
    private readonly createTimeoutMs: number,
    private readonly resetTimeoutMs: number,
    private readonly destroyTimeoutMs: number,
    /** True when a client of the fuzzer holds this resource right now. */
    private readonly isHeld: (resource: Chaos) => boolean,
  ) {}

  get hasIsBroken(): boolean {
    return this.faults.hooks.isBroken;
  }

  private roll(p: number): boolean {
    return this.random() < p;
  }

  private delay(): number {
    return Math.floor(this.random() * (this.faults.maxDelayMs + 1));
  }

  private after<T>(ms: number, settle: () => T): Promise<Awaited<T>> {
    return new Promise((resolve, reject) => {
      this.clock.setTimeout(() => {
        try {
          resolve(settle() as Awaited<T>);
        } catch (error) {
          reject(error);
        }
      }, ms, []);
    });
  }

  private make(): Chaos {
    const resource: Chaos = { id: this.nextId++, broken: false, destroyed: false, hooks: 0 };
    this.created++;
    this.live.add(resource);
    return resource;
  }

  create({ signal }: { signal: AbortSignal }): Promise<Chaos> {
    if (signal.aborted) this.violations.push('create called with an already aborted signal');
    const f = this.faults;
    const r = this.random();
    this.createsRunning++;
    const done = <T>(p: Promise<T>) => p.finally(() => this.createsRunning--);
    if (r < f.createFail) {
      return done(this.after(this.delay(), () => {
        throw new Error('chaos: create failed');
      }));
    }
    if (r < f.createFail + f.createHang) {
      return done(new Promise<Chaos>((_, reject) => {
        const giveUp = this.clock.setTimeout(() => reject(new Error('chaos: create hung 10 s and gave up')), 10_000, []);
        signal.addEventListener('abort', () => {
          this.clock.clear(giveUp);
          reject(signal.reason);
        }, { once: true });
      }));
    }
    if (r < f.createFail + f.createHang + f.createLate) {
      return done(this.after(this.createTimeoutMs + 1 + this.delay(), () => this.make()));
    }
    if (this.roll(f.sync)) return done(Promise.resolve(this.make()));
    return done(this.after(this.delay(), () => this.make()));
  }

  private enter(resource: Chaos, hook: string): void {
    if (resource.destroyed) this.violations.push(`${hook} called on destroyed resource #${resource.id}`);
    if (resource.hooks > 0) this.violations.push(`${hook} called on resource #${resource.id} while another validate/reset is running`);
    if (this.isHeld(resource)) this.violations.push(`${hook} called on resource #${resource.id} while a client holds it`);
    resource.hooks++;
  }

  validate(resource: Chaos, { signal }: { signal: AbortSignal; idleMs: number }): Promise<boolean> | boolean {
    this.enter(resource, 'validate');
    const f = this.faults;
    const r = this.random();
    const leave = () => resource.hooks--;
    if (r < f.validateFalse) {
      if (this.roll(f.sync)) {
        leave();
        return false;
      }
      return this.after(this.delay(), () => (leave(), false));
    }
    if (r < f.validateFalse + f.validateThrow) {
      return this.after(this.delay(), () => {
        leave();
        throw new Error('chaos: validate threw');
      });
    }
    if (r < f.validateFalse + f.validateThrow + f.validateHang) {
      return new Promise<boolean>((resolve, reject) => {
        const giveUp = this.clock.setTimeout(() => (leave(), resolve(true)), 10_000, []);
        signal.addEventListener('abort', () => {
          this.clock.clear(giveUp);
          leave();
          reject(signal.reason);
        }, { once: true });
      });
    }
    if (this.roll(f.sync)) {
      leave();
      return true;
    }
    return this.after(this.delay(), () => (leave(), true));
  }

  reset(resource: Chaos): Promise<boolean> | boolean {
    this.enter(resource, 'reset');
    const f = this.faults;
    const r = this.random();
    const leave = () => resource.hooks--;
    if (r < f.resetFalse) {
      leave();
      return false;
    }
    if (r < f.resetFalse + f.resetThrow) {
      if (this.roll(0.5)) {
        leave();
        throw new Error('chaos: reset threw synchronously');
      }
      return this.after(this.delay(), () => {
        leave();
        throw new Error('chaos: reset threw');
      });
    }
    if (r < f.resetFalse + f.resetThrow + f.resetHang) {
      return this.after(this.resetTimeoutMs + 1 + this.delay(), () => (leave(), true));
    }
    if (this.roll(f.sync)) {
      leave();
      return true;
    }
    return this.after(this.delay(), () => (leave(), true));
  }

  destroy(resource: Chaos): Promise<void> | void {
    if (resource.destroyed) this.violations.push(`destroy called twice on resource #${resource.id}`);
    if (!this.live.has(resource) && !resource.destroyed) this.violations.push(`destroy called on unknown resource #${resource.id}`);
    if (this.isHeld(resource)) this.violations.push(`destroy called on resource #${resource.id} while a client holds it (not revoked)`);
    resource.destroyed = true;
    this.destroyed++;
    this.live.delete(resource);
    const f = this.faults;
    const r = this.random();
    if (r < f.destroyThrow) {
      if (this.roll(0.5)) throw new Error('chaos: destroy threw synchronously');
      return this.after(this.delay(), () => {
        throw new Error('chaos: destroy threw');
      });
    }
    if (r < f.destroyThrow + f.destroyHang) return this.after(this.destroyTimeoutMs + 1 + this.delay(), () => undefined);
    if (this.roll(f.sync)) return;
    return this.after(this.delay(), () => undefined);
  }

  isBroken(resource: Chaos): boolean {
    return resource.broken;
  }

  isFatal(error: unknown): boolean {
    return error instanceof FatalError;
  }

  /** The provider object the pool gets: only the hooks this run enables, so the pool's "no hook" paths run too. */
  asProvider(): ResourceProvider<Chaos> {
    const hooks = this.faults.hooks;
    return {
      create: (ctx) => this.create(ctx),
      destroy: (r) => this.destroy(r),
      isFatal: (e) => this.isFatal(e),
      ...(hooks.validate ? { validate: (r: Chaos, ctx: { signal: AbortSignal; idleMs: number }) => this.validate(r, ctx) } : {}),
      ...(hooks.reset ? { reset: (r: Chaos) => this.reset(r) } : {}),
      ...(hooks.isBroken ? { isBroken: (r: Chaos) => this.isBroken(r) } : {}),
    };
  }
}
