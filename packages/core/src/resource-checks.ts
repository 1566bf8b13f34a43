import { coarseNow } from './clock.js';
import { messageOf, PoolError, PoolOptionError, PoolTimeoutError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { ResourceProvider } from './provider.js';
import { Returning } from './returning.js';
import type { Slot } from './slot.js';
import type { PoolTotals } from './stats.js';
import { withTimeout } from './with-timeout.js';

/** A provider classifier that throws counts as a yes: destroying is the safe side. */
function yes(question: () => boolean | undefined): boolean {
  try {
    return question() === true;
  } catch {
    return true;
  }
}

/** The provider's per-resource hooks (isBroken, validate, reset, isFatal, isFailover) run under the pool's timeouts and rules. */
export class ResourceChecks<R> {
  /** Resources in an asynchronous reset, counted as about to come back (returning.ts). */
  readonly returning: Returning;

  constructor(
    private readonly provider: ResourceProvider<R>,
    private readonly opts: ResolvedOptions,
    private readonly totals: PoolTotals,
    /** Demand may need a create: a reset stopped counting as a resource about to come back. */
    fill: () => void,
  ) {
    this.returning = new Returning(fill);
  }

  /** Throws POOL_INVALID_OPTION unless `provider` has a `create` function and only functions as hooks. */
  static assertProvider(provider: unknown): void {
    if (typeof provider !== 'object' || provider === null || typeof (provider as { create?: unknown }).create !== 'function') {
      throw new PoolOptionError('provider', 'Expected a provider object with a `create` function');
    }
    for (const hook of ['destroy', 'validate', 'reset', 'isBroken', 'isFatal', 'isFailover', 'classifyCreateError']) {
      const value = (provider as Record<string, unknown>)[hook];
      if (value !== undefined && typeof value !== 'function') {
        throw new PoolOptionError(`provider.${hook}`, `Expected \`provider.${hook}\` to be a function, got ${typeof value}`);
      }
    }
  }

  /** Runs on every lend and release of an adapter's pool: no closure (a throwing hook counts as broken). */
  isBroken(slot: Slot<R>): boolean {
    const isBroken = this.provider.isBroken;
    if (isBroken === undefined) return false;
    try {
      return isBroken.call(this.provider, slot.resource) === true;
    } catch {
      return true;
    }
  }

  /** What a failed `use` callback means for its resource: 'failover' (evict all), 'destroy', or 'release'. */
  afterUseError(resource: R, error: unknown): 'failover' | 'destroy' | 'release' {
    const provider = this.provider;
    if (yes(() => provider.isFailover?.(error))) return 'failover';
    if (yes(() => provider.isFatal?.(error)) || yes(() => provider.isBroken?.(resource))) return 'destroy';
    return 'release';
  }

  /** Runs the provider's validate under its timeout. Resolves undefined when healthy, else with the reason. */
  validate(slot: Slot<R>): Promise<unknown> {
    const validate = this.provider.validate;
    if (validate === undefined) return Promise.resolve(undefined);
    const idleMs = coarseNow() - Math.max(slot.releasedAt, slot.checkedAt);
    const name = this.opts.name;
    return withTimeout((signal) => validate.call(this.provider, slot.resource, { signal, idleMs }), this.opts.validateTimeoutMs, 'validate', name).then(
      (healthy) => {
        if (healthy !== false) return undefined;
        this.totals.validationFailures++;
        return new PoolError('POOL_VALIDATE_FAILED', 'validate returned false', { pool: name });
      },
      (error: unknown) => {
        this.totals.validationFailures++;
        return error ?? new PoolError('POOL_VALIDATE_FAILED', 'validate threw', { pool: name });
      },
    );
  }

  /** A keepalive ping: validate, the slot counted meanwhile as a resource about to come back (returning.ts). */
  ping(slot: Slot<R>): Promise<unknown> {
    this.returning.begin(slot);
    return this.validate(slot).then((failure) => {
      this.returning.end(slot);
      return failure;
    });
  }

  /**
   * Runs the provider's reset (synchronously when it answers synchronously), then `done(slot, true)`
   * when the resource is reusable, else `done(slot, false, error)`: false (no error), a throw or the
   * timeout. `done` is one function for every slot: a release allocates no closure.
   */
  reset(slot: Slot<R>, done: (slot: Slot<R>, ok: boolean, error?: unknown) => void): void {
    const reset = this.provider.reset as NonNullable<ResourceProvider<R>['reset']>;
    let result: Promise<boolean> | boolean;
    try {
      result = reset.call(this.provider, slot.resource);
    } catch (error) {
      done(slot, false, error);
      return;
    }
    if (typeof result === 'boolean') done(slot, result);
    else {
      const returning = this.returning;
      returning.begin(slot);
      withTimeout(() => result, this.opts.resetTimeoutMs, 'reset', this.opts.name).then(
        (ok) => {
          returning.end(slot);
          done(slot, ok !== false);
        },
        (error: unknown) => {
          returning.end(slot);
          done(slot, false, error);
        },
      );
    }
  }

  /** The error to report for a failed reset or destroy. */
  static failure(error: unknown, code: 'POOL_RESET_FAILED' | 'POOL_DESTROY_FAILED', pool: string): PoolError {
    const what = code === 'POOL_RESET_FAILED' ? 'reset' : 'destroy';
    return error instanceof PoolTimeoutError ? error : new PoolError(code, `${what} failed: ${messageOf(error)}`, { cause: error, pool });
  }
}
