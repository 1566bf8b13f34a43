import { assertKnownKeys, describeValue, numberOption, PoolOptionError, type Pool, type PoolOptions } from '@pool/core';
import { defaultPoolName, poolSource, type PoolSource } from '@pool/core/adapter-kit';
import { Dispatcher, errors } from 'undici';
import { HttpPoolError } from './errors.js';
import { ControllerExchange } from './controller-exchange.js';
import type { ExchangeHost } from './exchange.js';
import { LegacyExchange } from './legacy-exchange.js';
import { OriginState, type FailoverOptions, type OriginListener, type OriginStatus, type ResolvedFailover } from './origin-state.js';
import { httpProvider, providerKeys, type HttpProviderOptions } from './provider.js';

/** Options of {@link createHttpPool}. */
export interface HttpPoolOptions extends Omit<HttpProviderOptions, 'origin'> {
  /** The origins requests are balanced over (least outstanding requests). Give `origins` or `origin`. */
  origins?: ReadonlyArray<string | URL>;
  /** A single origin (same as `origins: [origin]`). */
  origin?: string | URL;
  /**
   * @pool/core options for each origin's connection pool. Defaults differ from core's where HTTP
   * needs it: `maxLifetimeMs` 300000 (picks up DNS changes), `retry` 50–2000 ms, and `failFast`
   * false with several origins (the origin's own failover moves waiters) or
   * `{ afterFailures: failover.downAfterFailures }` with one (waiters fail fast while it is down).
   */
  pool?: PoolOptions;
  /** Taking origins out of rotation and probing them back in. */
  failover?: FailoverOptions;
  /** Retry an idempotent request once on a fresh connection when the socket closes before the response. @default true */
  retryIdempotent?: boolean;
}

/** An origin leaving or re-entering rotation (see {@link HttpPool.onOriginChange}). */
export interface OriginChange {
  /** The origin, password redacted. */
  origin: string;
  /** False: taken out of rotation; true: probed back in. */
  up: boolean;
  /** Why it went down (the last connect or health-check error). */
  cause?: unknown;
}

const failoverKeys = new Set(['downAfterFailures', 'probe', 'checkIntervalMs']);
/** Every key {@link createHttpPool} accepts: the provider's (less `origin`'s twin rules) plus the pool's own. */
const poolKeys = new Set([...providerKeys, 'origins', 'pool', 'failover', 'retryIdempotent']);

function resolveFailover(option: FailoverOptions | undefined): ResolvedFailover {
  const source = option ?? {};
  if (typeof source !== 'object' || source === null) throw new PoolOptionError('failover', 'Expected `failover` to be an object');
  assertKnownKeys(source, failoverKeys, undefined, 'failover.');
  const number = (value: unknown, fallback: number, name: string, minimum: number, integer = false): number =>
    numberOption(value, name, fallback, { minimum, integer, allowInfinity: !integer });
  const probe = source.probe ?? {};
  const probeMinDelayMs = number(probe.minDelayMs, 250, 'failover.probe.minDelayMs', 1);
  const probeMaxDelayMs = number(probe.maxDelayMs, 10_000, 'failover.probe.maxDelayMs', probeMinDelayMs);
  return {
    downAfterFailures: number(source.downAfterFailures, 2, 'failover.downAfterFailures', 1, true),
    probeMinDelayMs,
    probeMaxDelayMs,
    checkIntervalMs: number(source.checkIntervalMs, 10_000, 'failover.checkIntervalMs', 0),
  };
}

/**
 * An undici `Dispatcher` over pooled, health-checked connections to one or more origins:
 * `fetch(url, { dispatcher })`, `request()`, `stream()` and `pipeline()` work unchanged. Each
 * request borrows one connection (an undici `Client`) from its origin's @pool/core pool and gives it
 * back when the response ends or fails. Several origins are balanced by least outstanding requests;
 * an origin failing connects or health checks is taken out and probed back in with backoff.
 *
 * The request's own URL origin is not used for routing: every request goes to one of `origins`.
 */
export class HttpPool extends Dispatcher implements ExchangeHost, PoolSource {
  readonly retryIdempotent: boolean;
  private readonly origins: OriginState[];
  private next = 0;
  private closedState: 'open' | 'closing' | 'destroyed' = 'open';
  private closing: Promise<void> | undefined;

  constructor(options: HttpPoolOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected createHttpPool options to be an object');
    assertKnownKeys(options, poolKeys, 'createHttpPool');
    const { origins, origin, pool, failover, retryIdempotent, ...providerOptions } = options;
    if (pool !== undefined && (typeof pool !== 'object' || pool === null || Array.isArray(pool))) {
      throw new PoolOptionError('pool', `Expected \`pool\` to be an object of @pool/core options, got ${describeValue(pool)}`);
    }
    const list = origins ?? (origin !== undefined ? [origin] : []);
    if (!Array.isArray(list) || list.length === 0) throw new PoolOptionError('origins', 'Expected `origins` to be a non-empty list of http(s) origins (or `origin`)');
    if (origins !== undefined && origin !== undefined) throw new PoolOptionError('origin', 'Give `origins` or `origin`, not both');
    if (retryIdempotent !== undefined && typeof retryIdempotent !== 'boolean') throw new PoolOptionError('retryIdempotent', 'Expected `retryIdempotent` to be a boolean');
    this.retryIdempotent = retryIdempotent ?? true;
    const resolvedFailover = resolveFailover(failover);
    const listener: OriginListener = {
      onDown: (state, cause) => this.notify({ origin: state.display, up: false, cause }),
      onUp: (state) => this.notify({ origin: state.display, up: true }),
    };
    const seen = new Set<string>();
    this.origins = list.map((entry, index) => {
      const provider = httpProvider({ ...providerOptions, origin: entry });
      if (seen.has(provider.origin.origin)) throw new PoolOptionError(`origins[${index}]`, `Origin ${provider.origin.display} is listed twice`);
      seen.add(provider.origin.origin);
      const poolOptions: PoolOptions = {
        // several origins: the origin's down signal moves waiters; a lone origin: that signal and core's circuit breaker fail them fast
        maxLifetimeMs: 300_000, failFast: list.length > 1 ? false : { afterFailures: resolvedFailover.downAfterFailures },
        retry: { minDelayMs: 50, maxDelayMs: 2_000 },
        ...pool,
        // a given name as is (one origin) or `api:host:port` (several); without one `http:host:port` (numbered when taken)
        name: pool?.name !== undefined ? (list.length === 1 ? pool.name : `${pool.name}:${provider.origin.hostname}:${provider.origin.port}`) : defaultPoolName(undefined, `${provider.origin.protocol.slice(0, -1)}:${provider.origin.hostname}:${provider.origin.port}`),
      };
      // the origin's down signal moves (several origins) or fails (one origin) its waiters at once: core's
      // breaker only refuses callers once an outage has outlasted their own deadline
      return new OriginState(provider, poolOptions, resolvedFailover, listener);
    });
  }

  /**
   * Sends one request (undici's dispatcher contract): returns true at once; the handler hears the
   * outcome. Works with both handler styles of undici 7 (legacy `onConnect`/`onHeaders`/… and
   * `onRequestStart`/`onResponseStart`/…).
   */
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (typeof handler !== 'object' || handler === null) throw new errors.InvalidArgumentError('handler must be an object');
    const exchange = typeof handler.onRequestStart === 'function' || typeof handler.onResponseStart === 'function'
      ? new ControllerExchange(this, opts, handler)
      : new LegacyExchange(this, opts, handler);
    if (this.closedState !== 'open') {
      exchange.reject(this.closedState === 'destroyed' ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
      return false;
    }
    exchange.start();
    return true;
  }

  private readonly originListeners = new Set<(change: OriginChange) => void>();

  /** Calls `listener` whenever an origin is taken out of rotation or comes back; returns the unsubscribe function. */
  onOriginChange(listener: (change: OriginChange) => void): () => void {
    this.originListeners.add(listener);
    return () => this.originListeners.delete(listener);
  }

  private notify(change: OriginChange): void {
    for (const listener of this.originListeners) {
      try {
        listener(change);
      } catch (error) {
        // a throwing listener must not break failover; the process still sees the error
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** @internal Least outstanding requests among up origins not yet tried; ties rotate. */
  pick(tried: ReadonlySet<OriginState> | undefined): OriginState | undefined {
    const origins = this.origins;
    const count = origins.length;
    if (count === 1) {
      const only = origins[0] as OriginState;
      return only.up && (tried === undefined || !tried.has(only)) ? only : undefined;
    }
    const start = this.next;
    this.next = start + 1 === count ? 0 : start + 1;
    let best: OriginState | undefined;
    for (let offset = 0; offset < count; offset++) {
      const candidate = origins[(start + offset) % count] as OriginState;
      if (!candidate.up || (tried !== undefined && tried.has(candidate))) continue;
      if (best === undefined || candidate.inflight < best.inflight) best = candidate;
    }
    return best;
  }

  /** @internal */
  noOriginError(tried: ReadonlySet<OriginState> | undefined, lastError: Error | undefined): Error {
    const down = this.origins.filter((origin) => !origin.up);
    const parts = [`${down.length} of ${this.origins.length} down${down.length > 0 ? ` (${down.map((origin) => origin.display).join(', ')})` : ''}`];
    if (tried !== undefined && tried.size > 0) parts.push(`tried ${[...tried].map((origin) => origin.display).join(', ')}`);
    const cause = lastError ?? down.find((origin) => origin.lastError !== undefined)?.lastError;
    if (cause !== undefined) parts.push(`last error: ${cause instanceof Error ? cause.message : String(cause)}`);
    return new HttpPoolError('HTTP_NO_ORIGIN', `no origin available: ${parts.join('; ')}`, { cause });
  }

  /** Each origin's state: up or down, requests in flight, failures, and its pool's stats. */
  /** The @pool/core pool of each origin, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return this.origins.map((origin) => origin.pool as Pool<unknown>);
  }

  status(): OriginStatus[] {
    return this.origins.map((origin) => origin.status());
  }

  /** Waits for requests in flight, then closes every connection. New requests fail with undici's ClientClosedError. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.shutdown('closing', 2 ** 31 - 1);
    if (callback === undefined) return done;
    done.then(() => callback(), () => callback());
  }

  /** Closes every connection now: requests in flight fail. */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    this.closedState = 'destroyed';
    const done = Promise.all(this.origins.map((origin) => origin.destroy())).then(() => undefined);
    if (cb === undefined) return done;
    done.then(() => cb(), () => cb());
  }

  private shutdown(state: 'closing', timeoutMs: number): Promise<void> {
    if (this.closedState === 'open') this.closedState = state;
    this.closing ??= Promise.all(this.origins.map((origin) => origin.close(timeoutMs))).then(() => undefined);
    return this.closing;
  }

  /** `await using pool = createHttpPool(...)` closes it at scope end. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates an {@link HttpPool}: `fetch(url, { dispatcher: createHttpPool({ origins }) })`. */
export function createHttpPool(options: HttpPoolOptions): HttpPool {
  return new HttpPool(options);
}

