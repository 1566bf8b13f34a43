import { assertKnownKeys, describeValue, isPoolError, numberOption, PoolOptionError, type Pool, type PoolOptions } from '@pool/core';
import { defaultPoolName, poolSource, type PoolSource } from '@pool/core/adapter-kit';
import { Dispatcher, errors } from 'undici';
import { HttpPoolError, isHttpPoolError } from './errors.js';
import { ControllerExchange } from './controller-exchange.js';
import { assertNoUndiciPoolOptions } from './undici-option-hint.js';
import { setUndiciUrl } from './undici-url.js';
import type { ExchangeHost } from './exchange.js';
import { LegacyExchange } from './legacy-exchange.js';
import { OriginState } from './origin-state.js';
import type { FailoverOptions, OriginListener, OriginStatus, ResolvedFailover } from './origin-types.js';
import { httpProvider, providerKeys, type HttpProviderOptions } from './provider.js';
import { undiciStats, type HttpPoolStats } from './undici-stats.js';

/** Options of {@link createHttpPool}. */
export interface HttpPoolOptions extends Omit<HttpProviderOptions, 'origin'> {
  /** The origins requests are balanced over (least outstanding requests). Give `origins` or `origin`. */
  origins?: ReadonlyArray<string | URL>;
  /** A single origin (same as `origins: [origin]`). */
  origin?: string | URL;
  /**
   * @pool/core options for each origin's connection pool. Defaults differ from core's where HTTP
   * needs it: `maxLifetimeMs` 300000 (picks up DNS changes), `retry` 50–2000 ms, `failFast`
   * false (an origin's own failover moves its waiters; with one origin, each waiter fails with the error
   * of the connect made for it), and `validateAfterIdleMs` Infinity: a borrowed connection is checked for a closed socket
   * (no I/O) but gets no health request first, as undici's `Pool` sends none; origins are still
   * health-checked by `failover.checkIntervalMs` and probes. A number turns the health request on borrow
   * back on (`validateAfterIdleMs: 1000`: on a connection idle over 1 s, at the cost of one round trip).
   * `createTimeoutMs` is the connect timeout plus 1.5 s, so undici's own connect timeout fires first.
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
  /** @internal See {@link ExchangeHost.severalOrigins}. */
  readonly severalOrigins: boolean;
  private readonly origins: OriginState[];
  private next = 0;
  /** `closed`: close() finished; undici's Pool then refuses requests as destroyed. */
  private closedState: 'open' | 'closing' | 'closed' | 'destroyed' = 'open';
  private closeCalled = false;
  private closing: Promise<void> | undefined;
  private destroying: Promise<void> | undefined;
  /** @internal The error requests not yet answered fail with once destroyed. */
  destroyError: Error | undefined;
  /** Requests dispatched and not yet finished (waiting for a connection included): close() waits for them. */
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(options: HttpPoolOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected createHttpPool options to be an object');
    assertNoUndiciPoolOptions(options, 'createHttpPool');
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
    this.severalOrigins = list.length > 1;
    const resolvedFailover = resolveFailover(failover);
    const listener: OriginListener = {
      onDown: (state, cause) => this.notify({ origin: state.display, up: false, cause }),
      onUp: (state) => this.notify({ origin: state.display, up: true }),
      // undici's Pool events, with `[pool, client]` targets
      onConnection: (_state, connection) => {
        connection.client.on('connect', (url, targets) => this.emit('connect', url, [this, ...targets]));
        connection.client.on('disconnect', (url, targets, error) => this.emit('disconnect', url, [this, ...targets], error));
        // an HTTP/2 GOAWAY, say; not the refusal of our connector to reopen a closed socket (nothing was sent)
        connection.client.on('connectionError', (url, targets, error) => {
          if (!isHttpPoolError(error, 'HTTP_CONNECTION_CLOSED')) this.emit('connectionError', url, [this, ...targets], error);
        });
      },
      // no Client exists yet when the socket could not be opened: targets are `[pool]`
      onConnectError: (state, error) => this.emit('connectionError', new URL(state.href), [this], toError(error) as errors.UndiciError),
    };
    const seen = new Set<string>();
    this.origins = list.map((entry, index) => {
      const provider = httpProvider({ ...providerOptions, origin: entry });
      if (seen.has(provider.origin.origin)) throw new PoolOptionError(`origins[${index}]`, `Origin ${provider.origin.display} is listed twice`);
      seen.add(provider.origin.origin);
      const poolOptions: PoolOptions = {
        // an origin's own failover moves its waiters (several origins); one origin fails each with its own connect's error
        maxLifetimeMs: 300_000, failFast: false,
        retry: { minDelayMs: 50, maxDelayMs: 2_000 },
        // no health request before each request on an idle connection: it cost a round trip (the first
        // request after 1.5 s idle: 84 ms instead of 42 against a 40 ms server); a closed socket is still
        // seen at borrow (isBroken), the keep-alive race is retried, and origins are checked in the background
        validateAfterIdleMs: Infinity,
        // past undici's connect timeout, so a connect that hangs fails with undici's own error
        createTimeoutMs: provider.createTimeoutMs,
        ...pool,
        // a given name as is (one origin) or `api:host:port` (several); without one `http:host:port` (numbered when taken)
        name: pool?.name !== undefined ? (list.length === 1 ? pool.name : `${pool.name}:${provider.origin.hostname}:${provider.origin.port}`) : defaultPoolName(undefined, `${provider.origin.protocol.slice(0, -1)}:${provider.origin.hostname}:${provider.origin.port}`),
      };
      // taking one of several origins out withdraws its waiters at once (they move), where core's breaker
      // only refuses callers once an outage has outlasted their own deadline; a lone origin keeps them
      return new OriginState(provider, poolOptions, resolvedFailover, listener, list.length === 1);
    });
    // undici's Agent#stats reads it when this pool is an Agent's per-origin dispatcher (its `factory`)
    setUndiciUrl(this, (this.origins[0] as OriginState).href);
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
      exchange.reject(this.closedState === 'closing' ? new errors.ClientClosedError() : new errors.ClientDestroyedError());
      return false;
    }
    this.active++;
    exchange.start();
    return true;
  }

  /** @internal An exchange started by dispatch() finished. */
  settled(): void {
    if (--this.active > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once every dispatched request has finished. */
  private whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True once `close()` was called (as undici's `Pool#closed`). */
  get closed(): boolean {
    return this.closeCalled;
  }

  /** True once `destroy()` was called or `close()` finished (as undici's `Pool#destroyed`). */
  get destroyed(): boolean {
    return this.closedState === 'closed' || this.closedState === 'destroyed';
  }

  /** undici `Pool#stats`-style counters, summed over origins: `connected`, `free`, `pending`, `queued`, `running`, `size`. */
  get stats(): HttpPoolStats {
    return undiciStats(this.origins.map((origin) => origin.pool.stats()));
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

  /**
   * @internal Least outstanding requests among up origins not yet tried; ties rotate. None up: one
   * whose failed connects took it out but whose open connections still serve, if any.
   */
  pick(tried: ReadonlySet<OriginState> | undefined): OriginState | undefined {
    const origins = this.origins;
    const count = origins.length;
    if (count === 1) {
      const only = origins[0] as OriginState;
      return only.takesRequests && (tried === undefined || !tried.has(only)) ? only : undefined;
    }
    const start = this.next;
    this.next = start + 1 === count ? 0 : start + 1;
    let best: OriginState | undefined;
    for (let offset = 0; offset < count; offset++) {
      const candidate = origins[(start + offset) % count] as OriginState;
      if (!candidate.up || (tried !== undefined && tried.has(candidate))) continue;
      if (best === undefined || candidate.inflight < best.inflight) best = candidate;
    }
    if (best !== undefined) return best;
    // none up: an origin out by failed connects whose open connections still serve (OriginState.servesKept)
    for (const candidate of origins) {
      if (!candidate.servesKept || (tried !== undefined && tried.has(candidate))) continue;
      if (best === undefined || candidate.inflight < best.inflight) best = candidate;
    }
    return best;
  }

  /** @internal Origins down and not yet tried: with none up, the request asks them to probe now. */
  downUntried(tried: ReadonlySet<OriginState> | undefined): OriginState[] {
    return this.origins.filter((origin) => !origin.takesRequests && (tried === undefined || !tried.has(origin)));
  }

  /** @internal With one origin, the error itself (undici's `ECONNREFUSED`, as its Pool gives); else HTTP_NO_ORIGIN. */
  noOriginError(tried: ReadonlySet<OriginState> | undefined, lastError: Error | undefined): Error {
    if (this.origins.length === 1 && lastError !== undefined) {
      const error = isPoolError(lastError, 'POOL_CREATE_FAILED') && lastError.cause instanceof Error ? lastError.cause : lastError;
      if (!isHttpPoolError(error) && !isPoolError(error)) return error;
    }
    const down = this.origins.filter((origin) => !origin.up);
    const parts = [`${down.length} of ${this.origins.length} down${down.length > 0 ? ` (${down.map((origin) => origin.display).join(', ')})` : ''}`];
    if (tried !== undefined && tried.size > 0) parts.push(`tried ${[...tried].map((origin) => origin.display).join(', ')}`);
    const cause = lastError ?? down.find((origin) => origin.lastError !== undefined)?.lastError;
    if (cause !== undefined) parts.push(`last error: ${cause instanceof Error ? cause.message : String(cause)}`);
    return new HttpPoolError('HTTP_NO_ORIGIN', `no origin available: ${parts.join('; ')}`, { cause });
  }

  /** The @pool/core pool of each origin, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return this.origins.map((origin) => origin.pool as Pool<unknown>);
  }

  /** Each origin's state: up or down, requests in flight, failures, and its pool's stats. */
  status(): OriginStatus[] {
    return this.origins.map((origin) => origin.status());
  }

  /**
   * Waits for every request dispatched so far (in flight or still waiting for a connection), then
   * closes every connection. Meanwhile new requests fail with undici's ClientClosedError, and once
   * closed with ClientDestroyedError, as with undici's Pool. `callback` is called as `(null, null)`.
   */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.closeCalled = true;
    if (this.closedState === 'open') this.closedState = 'closing';
    this.closing ??= this.whenIdle()
      .then(() => Promise.all(this.origins.map((origin) => origin.close(2 ** 31 - 1))))
      .then(() => {
        if (this.closedState === 'closing') this.closedState = 'closed';
      });
    const done = this.closing;
    if (callback === undefined) return done;
    done.then(() => (callback as (error: null, data: null) => void)(null, null), () => (callback as (error: null, data: null) => void)(null, null));
  }

  /**
   * Closes every connection now: requests in flight or waiting for a connection fail with `err`
   * (undici's ClientDestroyedError without one), as with undici's Pool. `callback` is called as `(null, null)`.
   */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const cb = (typeof errOrCallback === 'function' ? errOrCallback : callback) as ((error: null, data: null) => void) | undefined;
    const reason = typeof errOrCallback === 'function' || errOrCallback == null ? undefined : errOrCallback;
    if (this.destroying === undefined) {
      this.closedState = 'destroyed';
      this.destroyError = reason ?? new errors.ClientDestroyedError();
      this.destroying = Promise.all(this.origins.map((origin) => origin.destroy(this.destroyError))).then(() => undefined);
    }
    const done = this.destroying;
    if (cb === undefined) return done;
    done.then(() => cb(null, null), () => cb(null, null));
  }

  /** `await using pool = createHttpPool(...)` closes it at scope end. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Creates an {@link HttpPool}: `fetch(url, { dispatcher: createHttpPool({ origins }) })`. */
export function createHttpPool(options: HttpPoolOptions): HttpPool {
  return new HttpPool(options);
}

