import { EventEmitter } from 'node:events';
import { createPool, PoolError, type AcquireOptions, type Lease, type Pool, type PoolStats } from '@pool/core';
import { poolSource, watchedAcquire, type PoolSource, type CallWatchdog } from '@pool/core/adapter-kit';
import pg from 'pg';
import { stateOf } from './client-state.js';
import { PgPoolError } from './errors.js';
import { pgProvider, type PgProvider } from './provider.js';
import { forwardLifecycleEvents } from './pool-lifecycle-events.js';
import { splitPoolConfig, type PgPoolConfig } from './pool-config.js';
import { reportedOptions } from './reported-options.js';
import { isClusterConfig, type PgClusterInput } from './cluster-config.js';
import { createPgCluster, type PgCluster } from './pg-cluster.js';
import { pgWatchdog } from './liveness.js';
import { PgPoolCounters } from './pool-counters.js';
import { ConnectHealth } from './connect-health.js';
import { IssuedCalls } from './issued-calls.js';
import { attachPgLog } from './pg-log.js';
import { withCallerStack } from './caller-stack.js';
import { isPgQueryObject, takeOwnCallback } from './pg-query-object.js';
import { acquireError, runOnHeldClient, runQuery, type CallHost } from './query-call.js';
import { runTransaction, type TransactionOptions } from './transaction.js';

/** A client lent by {@link PgPool.connect}: a `pg.Client` with `release(err?)`. */
export type PgPoolClient = pg.PoolClient;

type QueryCallback = (error: Error | undefined, result?: pg.QueryResult) => void;
type ConnectCallback = (error: Error | undefined, client: PgPoolClient | undefined, done: (release?: unknown) => void) => void;

function noop(): void {}

/**
 * A pg.Pool-compatible pool on @pool/core: `query`, `connect()` + `release(err?)`, `end()`, the
 * pg.Pool events and counters, plus `transaction(fn)`, `stats()` and the @pool/core pool as `core`.
 * Pass it wherever a pg.Pool goes: Kysely's `PostgresDialect({ pool })`, drizzle's
 * `drizzle({ client: pool })`, and `pool instanceof pg.Pool` is true.
 *
 * Events (pg.Pool's): 'connect' (client) after a client is created; 'acquire' (client) when one is
 * lent; 'release' (err, client) when one is given back; 'remove' (client) after one is closed;
 * 'error' (err, client) when an **idle** client fails (server restart, pg_terminate_backend), with
 * `err.client` set. Unlike pg.Pool, an 'error' with no listener is never thrown: the client is just replaced.
 */
export class PgPool extends EventEmitter implements pg.Pool, PoolSource {
  /** The @pool/core pool underneath (resize, pause, evictAll, its events and stats). */
  readonly core: Pool<pg.Client>;
  /** The provider (validate, reset and isFatal rules) the pool uses. */
  readonly provider: PgProvider;
  /** pg.Pool's `options`: the config given, with max/min/... filled in. The password is not enumerable. */
  readonly options: pg.PoolOptions;
  /** True once `end()` was called. */
  ending = false;
  /** True once `end()` finished. */
  ended = false;

  private endPromise: Promise<void> | undefined;
  private readonly counters: PgPoolCounters;
  /** Calls issued and still waiting for a client: `end()` lets them finish. */
  private readonly issued = new IssuedCalls();
  private readonly host: CallHost;
  private readonly health: ConnectHealth;
  private watchdog: CallWatchdog | undefined;

  constructor(config?: PgPoolConfig | string) {
    super();
    const split = splitPoolConfig(config);
    this.provider = pgProvider(split.provider, {
      onIdleError: (error, client) => {
        this.counters.idleFailed(client);
        try {
          Object.defineProperty(error, 'client', { value: client, writable: true, configurable: true, enumerable: false });
        } catch {
          // a frozen error is emitted as it is
        }
        // closed at once, as pg.Pool does (the pool destroys it when it next meets it)
        client.end().catch(() => {});
        if (this.listenerCount('error') > 0) this.emit('error', error, client);
      },
      // pg.Pool verifies a client it has announced and lent: 'connect', 'acquire', 'release' (err), 'remove'
      onVerifyFailed: (error, client) => {
        this.emit('connect', client);
        this.emit('acquire', client);
        this.emit('release', error, client);
        if (this.listenerCount('remove') > 0) client.once('end', () => this.emit('remove', client));
      },
    });
    this.core = createPool(this.provider, split.pool);
    this.counters = new PgPoolCounters(this.core);
    this.health = new ConnectHealth(this.core);
    const resolved = this.core.options;
    this.options = reportedOptions(config, split, resolved, this.provider.config.allowExitOnIdle);
    forwardLifecycleEvents(this.core, this, this.provider);
    if (split.calls.log !== undefined) attachPgLog(this.core, split.calls.log);
    const client = this.provider.config.client;
    this.host = {
      core: this.core,
      provider: this.provider,
      queryTimeoutMs: split.calls.queryTimeoutMs,
      server: { host: client.host, port: typeof client.port === 'number' ? client.port : undefined, database: client.database },
      lend: (c) => this.lend(c),
      giveBack: (lease, c, error, destroy) => this.giveBack(lease, c, error, destroy),
      closedCause: (error) => this.health.closedCause(error),
    };
    const watchdog = pgWatchdog(this.provider.config, split.calls.livenessCheckAfterMs, resolved.validateTimeoutMs, this.core.name);
    if (watchdog !== undefined) {
      this.watchdog = watchdog;
      this.host.watch = (fail) => {
        const call = watchdog.watch(fail);
        return (answered) => call.done(answered);
      };
    }
  }

  // ---------------------------------------------------------------- pg.Pool counters

  /** Clients open or opening (pg.Pool's totalCount); an idle client that failed is dropped at once. */
  get totalCount(): number {
    return this.counters.total;
  }

  /** Clients idle in the pool. */
  get idleCount(): number {
    return this.counters.idle;
  }

  /** Callers queued for a client (not those a connection is being opened for, as in pg.Pool). */
  get waitingCount(): number {
    return this.counters.waiting;
  }

  /** Clients lent past their lifetime (`maxLifetimeSeconds`): closed when they come back. */
  get expiredCount(): number {
    return this.counters.expired;
  }

  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.core as Pool<unknown>];
  }

  /** A snapshot of @pool/core's stats (sizes and running totals). */
  stats(): PoolStats {
    return this.core.stats();
  }

  // ---------------------------------------------------------------- query

  query<T extends pg.Submittable>(queryStream: T): T;
  query<R extends any[] = any[], I = any[]>(queryConfig: pg.QueryArrayConfig<I>, values?: pg.QueryConfigValues<I>): Promise<pg.QueryArrayResult<R>>;
  query<R extends pg.QueryResultRow = any, I = any[]>(queryConfig: pg.QueryConfig<I>): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow = any, I = any[]>(queryTextOrConfig: string | pg.QueryConfig<I>, values?: pg.QueryConfigValues<I>): Promise<pg.QueryResult<R>>;
  query<R extends any[] = any[], I = any[]>(queryConfig: pg.QueryArrayConfig<I>, callback: (err: Error, result: pg.QueryArrayResult<R>) => void): void;
  query<R extends pg.QueryResultRow = any, I = any[]>(queryTextOrConfig: string | pg.QueryConfig<I>, callback: (err: Error, result: pg.QueryResult<R>) => void): void;
  query<R extends pg.QueryResultRow = any, I = any[]>(queryText: string, values: pg.QueryConfigValues<I>, callback: (err: Error, result: pg.QueryResult<R>) => void): void;
  /**
   * Runs one statement on a pooled client: `query(text, values?)` or `query({ text, values, name,
   * rowMode, queryTimeoutMs?, signal? })`, promise or callback style (an exception thrown in the
   * callback is an uncaught exception, as in pg.Pool). The client goes back right after; it is
   * destroyed when the error is connection-level, and a statement error leaves it reusable.
   * A `new pg.Query(...)` runs as in pg.Pool (its 'row' and 'end' events fire; the client goes back when
   * it ends). Other Submittables (pg-cursor, pg-query-stream) need a client of their own: use `connect()`.
   */
  query(config: unknown, values?: unknown, callback?: unknown): unknown {
    if (typeof config === 'function') {
      // pg.Pool's guard, its message, and its choice of callback: the function given
      setImmediate(config as QueryCallback, new Error('Passing a function as the first parameter to pool.query is not supported'));
      return undefined;
    }
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    let promise: Promise<pg.QueryResult>;
    let handled = false;
    if (config === null || config === undefined) {
      promise = Promise.reject(new TypeError('Client was passed a null or undefined query'));
    } else if (typeof (config as pg.Submittable).submit === 'function' && !isPgQueryObject(config)) {
      promise = Promise.reject(new PgPoolError('PG_SUBMITTABLE_NOT_SUPPORTED', 'pool.query does not take a Submittable (pg-cursor, pg-query-stream): borrow a client with pool.connect() and release it when the stream ends'));
    } else if (this.ending) {
      promise = Promise.reject(this.endedError());
    } else {
      const own = isPgQueryObject(config) ? takeOwnCallback(config) : undefined;
      promise = this.issued.track(runQuery(this.host, config, values as unknown[] | undefined));
      if (own !== undefined) {
        // the pg.Query's own callback hears the outcome, so a rejection is not unhandled (pg.Pool's promise never settles)
        promise.then((result) => process.nextTick(own, null, result), (error: Error) => process.nextTick(own, error)); // null on success, as pg.Query gives it
        handled = true;
      }
    }
    if (typeof callback === 'function') {
      const cb = callback as QueryCallback;
      // on the next tick, outside the promise chain: a throw in cb is an uncaught exception, as in pg.Pool
      promise.then((result) => process.nextTick(cb, undefined, result), (error: Error) => process.nextTick(cb, error));
      return undefined;
    }
    const returned = withCallerStack(promise);
    if (handled) returned.catch(noop);
    return returned;
  }

  /** Marks a client lent: pg.Pool's 'acquire' event, its socket ref'd again (allowExitOnIdle). */
  private lend(client: pg.Client): void {
    const state = stateOf(client);
    if (state !== undefined) state.borrowed = true;
    this.provider.lent(client);
    if (this.listenerCount('acquire') > 0) this.emit('acquire', client);
  }

  /**
   * Releases a lease after use, destroying the client on a connection-level error (or any truthy
   * `release(err)`). 'release' gets what `release()` was given (`true` included), and after a
   * `pool.query` the query's error argument (pg's `null` when it succeeded), as in pg.Pool.
   */
  private giveBack(lease: Lease<pg.Client>, client: pg.Client, error: unknown, destroy = false): void {
    if (this.listenerCount('release') > 0) this.emit('release', error, client);
    if (error === true) error = undefined;
    if (destroy || (error && (this.provider.isFatal(error) || this.provider.isBroken(client)))) {
      if (error) this.provider.scrub(error);
      lease.destroy(error);
    } else {
      lease.release();
    }
  }

  // ---------------------------------------------------------------- connect

  /** @internal A cluster runs a routed client's statement under this pool's deadline and liveness watch (query-call.ts). */
  queryHeld(client: pg.PoolClient, config: unknown, values: unknown[] | undefined, deadline?: number): ReturnType<typeof runOnHeldClient> {
    return runOnHeldClient(this.host, client, config, values, deadline);
  }

  connect(): Promise<PgPoolClient>;
  connect(callback: ConnectCallback): void;
  /**
   * Borrows a client; give it back with `client.release()`. `client.release(err)` with a truthy `err`
   * (or `true`) destroys it instead, as in pg.Pool. Releasing twice throws POOL_LEASE_RELEASED.
   * A failed connect rejects with the driver's own error (class, `code`), as pg.Pool's does.
   */
  connect(callback?: ConnectCallback): Promise<PgPoolClient> | void {
    return this.checkoutWith(undefined, callback);
  }

  /** Like `connect()`, with @pool/core's acquire options (`signal`, `timeoutMs`, `priority`). */
  acquire(options?: AcquireOptions): Promise<PgPoolClient> {
    return this.checkoutWith(options, undefined) as Promise<PgPoolClient>;
  }

  /**
   * @internal `acquire(options)` for a cluster's one-shot query: `watched` false when the query has a
   * deadline of its own, which then bounds its wait for a client (as a `pool.query` with one is not watched).
   */
  acquireFor(options: AcquireOptions, watched: boolean): Promise<PgPoolClient> {
    return this.checkoutWith(options, undefined, watched) as Promise<PgPoolClient>;
  }

  private checkoutWith(options: AcquireOptions | undefined, callback: ConnectCallback | undefined, watched = true): Promise<PgPoolClient> | void {
    const promise = this.ending
      ? Promise.reject(this.endedError())
      : this.issued.track(watchedAcquire(this.core, options, watched ? this.watchdog : undefined).then((lease) => this.checkout(lease), (error: unknown) => Promise.reject(acquireError(this.health.closedCause(error)))));
    if (callback === undefined) return withCallerStack(promise);
    promise.then(
      (client) => process.nextTick(callback, undefined, client, (release?: unknown) => client.release(release as Error | boolean | undefined)),
      (error: Error) => process.nextTick(callback, error, undefined, noop),
    );
  }

  private checkout(lease: Lease<pg.Client>): PgPoolClient {
    const client = lease.resource as PgPoolClient;
    client.release = (error?: Error | boolean) => this.giveBack(lease, client, error, Boolean(error));
    this.lend(client);
    return client;
  }

  // ---------------------------------------------------------------- transaction

  /**
   * Runs `fn` inside BEGIN ... COMMIT on one client. When `fn` throws, the transaction is rolled back
   * and the error rethrown (a failed ROLLBACK destroys the client). A COMMIT the server turns into a
   * ROLLBACK (an earlier statement failed and `fn` swallowed it) rejects with PG_TRANSACTION_ROLLED_BACK.
   * If `fn` releases the client itself, no COMMIT or ROLLBACK is sent on it, and a return rejects with POOL_LEASE_RELEASED.
   */
  transaction<T>(fn: (client: PgPoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    if (this.ending) return Promise.reject(this.endedError());
    return runTransaction(
      {
        host: this.host,
        acquire: (acquireOptions) => this.issued.track(watchedAcquire(this.core, acquireOptions, this.watchdog)).then((lease) => ({ lease, client: this.checkout(lease) }), (error: unknown) => Promise.reject(acquireError(this.health.closedCause(error)))),
      },
      fn,
      options,
    );
  }

  // ---------------------------------------------------------------- end

  end(): Promise<void>;
  end(callback: (error?: Error) => void): void;
  /**
   * Closes the pool, as pg.Pool's `end()`: new calls reject; calls already issued complete (a caller
   * still queued gets a client as others are released, or is rejected after 30 s); borrowed clients are
   * awaited (up to 30 s), then every client is closed. A second `end()` rejects, as pg.Pool's does.
   */
  end(callback?: (error?: Error) => void): Promise<void> | void {
    let promise: Promise<void>;
    if (this.endPromise !== undefined) {
      // pg.Pool's exact message (no pool-name prefix): code written for pg.Pool may match on it
      promise = Promise.reject(new PoolError('POOL_CLOSED', 'Called end on pool more than once'));
    } else {
      this.ending = true;
      // calls issued before end() and still waiting for a connection while the server is down cannot
      // complete: at the next failed connect (the pool retries every few ms while callers wait) they get
      // that connect error, as with pg.Pool, instead of waiting out their deadline and holding end() up
      this.health.onFailure = () => {
        if (this.core.stats().pending > 0) void this.core.close();
      };
      promise = this.endPromise = this.issued.settled().then(() => {
        this.watchdog?.close();
        return this.core.close();
      }).then(() => {
        this.ended = true;
      });
    }
    if (callback === undefined) return withCallerStack(promise);
    promise.then(() => process.nextTick(callback), (error: Error) => process.nextTick(callback, error));
  }

  private endedError(): PoolError {
    return new PoolError('POOL_CLOSED', 'Cannot use a pool after calling end on the pool');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.ending ? (this.endPromise ?? Promise.resolve()) : this.end();
  }
}

// drizzle-orm runs a transaction on one client only when `client instanceof pg.Pool`; with pg.Pool's
// prototype in the chain that check passes. No pg-pool code runs: every pg.Pool member that takes
// part in its API (connect, query, end, the counters) is defined above, so pg-pool's internals
// (`_pulseQueue`, `_clients`...) are never called.
Object.setPrototypeOf(PgPool.prototype, pg.Pool.prototype);

/** Creates a {@link PgPool}: `createPgPool({ connectionString, max: 10 })` or `createPgPool(url)`. */
export function createPgPool(config: PgClusterInput): PgCluster;
export function createPgPool(config?: PgPoolConfig | string): PgPool;
export function createPgPool(config?: PgPoolConfig | PgClusterInput | string): PgPool | PgCluster {
  // several hosts (primary + replicas, or libpq-style `hosts`): one pool per host, see pg-cluster.ts
  if (isClusterConfig(config)) return createPgCluster(config);
  return new PgPool(config);
}
