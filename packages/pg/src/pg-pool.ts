import { EventEmitter } from 'node:events';
import { callTrace, createPool, PoolError, poolSource, traceCall, type PoolSource, type AcquireOptions, type Lease, type Pool, type PoolStats } from '@pool/core';
import pg from 'pg';
import { stateOf } from './client-state.js';
import { hide } from './config.js';
import { PgPoolError } from './errors.js';
import { pgProvider, type PgProvider } from './provider.js';
import { splitPoolConfig, type PgPoolConfig } from './pool-config.js';
import { acquireOptionsOf, beginStatement, type TransactionOptions } from './transaction.js';

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
 * 'error' (err, client) when an **idle** client fails (server restart, pg_terminate_backend). Unlike
 * pg.Pool, an 'error' with no listener is never thrown: the client is just replaced.
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

  constructor(config?: PgPoolConfig | string) {
    super();
    const split = splitPoolConfig(config);
    this.provider = pgProvider(split.provider, {
      onIdleError: (error, client) => {
        if (this.listenerCount('error') > 0) this.emit('error', error, client);
      },
    });
    this.core = createPool(this.provider, split.pool);
    const resolved = this.core.options;
    const options: Record<string, unknown> = {
      ...split.provider,
      max: resolved.max,
      min: resolved.min,
      maxUses: resolved.maxUses,
      allowExitOnIdle: true,
      maxLifetimeSeconds: resolved.maxLifetimeMs === Infinity ? 0 : resolved.maxLifetimeMs / 1000,
      idleTimeoutMillis: resolved.idleTimeoutMs === Infinity ? 0 : resolved.idleTimeoutMs,
    };
    if (typeof config === 'object' && config !== null && 'password' in config) options.password = config.password;
    hide(options, 'password');
    hide(options, 'connectionString');
    this.options = options as unknown as pg.PoolOptions;
    this.core.on('create', (event) => {
      if (this.listenerCount('connect') > 0) this.emit('connect', event.resource);
    });
    this.core.on('destroy', (event) => {
      if (this.listenerCount('remove') > 0) this.emit('remove', event.resource);
    });
  }

  // ---------------------------------------------------------------- pg.Pool counters

  /** Clients open or opening (pg.Pool's totalCount). */
  get totalCount(): number {
    return this.core.stats().size;
  }

  /** Clients idle in the pool. */
  get idleCount(): number {
    return this.core.stats().idle;
  }

  /** Callers waiting for a client. */
  get waitingCount(): number {
    return this.core.stats().pending;
  }

  /** Always 0: a client past its lifetime is closed on release or while idle, never counted as held-and-expired. */
  get expiredCount(): number {
    return 0;
  }

  /** A snapshot of @pool/core's stats (sizes and running totals). */
  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.core as Pool<unknown>];
  }

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
   * rowMode })`, promise or callback style. The client goes back right after; it is destroyed when the
   * error is connection-level (see `isFatalPgError`), and a statement error leaves it reusable.
   * A Submittable (pg-cursor, pg-query-stream) needs a client of its own: use `connect()`.
   */
  query(config: unknown, values?: unknown, callback?: unknown): unknown {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    let promise: Promise<pg.QueryResult>;
    if (typeof config === 'function' || config === null || config === undefined) {
      promise = Promise.reject(new TypeError('pool.query expects query text or a query config object'));
    } else if (typeof (config as pg.Submittable).submit === 'function') {
      promise = Promise.reject(new PgPoolError('PG_SUBMITTABLE_NOT_SUPPORTED', 'pool.query does not take a Submittable (pg-cursor, pg-query-stream): borrow a client with pool.connect() and release it when the stream ends'));
    } else if (callTrace.hasSubscribers) {
      // tracing:pool:call:* for tracers; the context is built only while someone listens
      const statement = typeof config === 'string' ? config : (config as pg.QueryConfig).text;
      promise = traceCall({ pool: this.core.name, adapter: 'pg', operation: 'query', statement }, () => this.run(config as string, values as unknown[] | undefined));
    } else {
      promise = this.run(config as string, values as unknown[] | undefined);
    }
    if (typeof callback === 'function') {
      const cb = callback as QueryCallback;
      promise.then((result) => cb(undefined, result), (error: Error) => cb(error));
      return undefined;
    }
    return promise;
  }

  /**
   * One statement on a pooled client, released (or destroyed) as soon as pg calls back. One promise
   * for the caller, settled from pg's callback: no promise resolved with another promise (each of
   * those costs two extra microtask turns) and no stack capture on success.
   */
  private run(config: string, values: unknown[] | undefined): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      this.core.acquire().then((lease) => {
        const client = lease.resource;
        const state = stateOf(client);
        if (state !== undefined) state.borrowed = true;
        if (this.listenerCount('acquire') > 0) this.emit('acquire', client);
        try {
          client.query(config, values as unknown[], (error: Error | undefined, result: pg.QueryResult) => {
            this.giveBack(lease, client, error);
            if (error) reject(error);
            else resolve(result);
          });
        } catch (error) {
          this.giveBack(lease, client, error as Error);
          reject(error as Error);
        }
      }, reject);
    });
  }

  /** Releases a lease after use, destroying the client on a connection-level error (or any truthy `release(err)`). */
  private giveBack(lease: Lease<pg.Client>, client: pg.Client, error: unknown, destroy = false): void {
    if (this.listenerCount('release') > 0) this.emit('release', error || undefined, client);
    if (destroy || (error && (this.provider.isFatal(error) || this.provider.isBroken(client)))) {
      if (error) this.provider.scrub(error);
      lease.destroy(error);
    } else {
      lease.release();
    }
  }

  // ---------------------------------------------------------------- connect

  connect(): Promise<PgPoolClient>;
  connect(callback: ConnectCallback): void;
  /**
   * Borrows a client; give it back with `client.release()`. `client.release(err)` with a truthy `err`
   * (or `true`) destroys it instead, as in pg.Pool. Releasing twice throws POOL_LEASE_RELEASED.
   */
  connect(callback?: ConnectCallback): Promise<PgPoolClient> | void {
    return this.checkoutWith(undefined, callback);
  }

  /** Like `connect()`, with @pool/core's acquire options (`signal`, `timeoutMs`, `priority`). */
  acquire(options?: AcquireOptions): Promise<PgPoolClient> {
    return this.checkoutWith(options, undefined) as Promise<PgPoolClient>;
  }

  private checkoutWith(options: AcquireOptions | undefined, callback: ConnectCallback | undefined): Promise<PgPoolClient> | void {
    const promise = this.core.acquire(options).then((lease) => this.checkout(lease));
    if (callback === undefined) return promise;
    promise.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, noop),
    );
  }

  private checkout(lease: Lease<pg.Client>): PgPoolClient {
    const client = lease.resource as PgPoolClient;
    const state = stateOf(client);
    if (state !== undefined) state.borrowed = true;
    client.release = (error?: Error | boolean) => this.giveBack(lease, client, error === true ? undefined : error, Boolean(error));
    if (this.listenerCount('acquire') > 0) this.emit('acquire', client);
    return client;
  }

  // ---------------------------------------------------------------- transaction

  /**
   * Runs `fn` inside BEGIN ... COMMIT on one client. When `fn` throws, the transaction is rolled back
   * and the error rethrown (a failed ROLLBACK destroys the client). A COMMIT the server turns into a
   * ROLLBACK (an earlier statement failed and `fn` swallowed it) rejects with PG_TRANSACTION_ROLLED_BACK.
   * If `fn` releases the client itself, the release rolled the transaction back and the client may
   * already be someone else's: no COMMIT or ROLLBACK is sent on it, and a return rejects with POOL_LEASE_RELEASED.
   */
  async transaction<T>(fn: (client: PgPoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    const begin = beginStatement(options);
    // the lease, not `client.release`: once fn gives the client back, the next borrower's checkout
    // replaces `client.release`, and calling it here would release that borrower's lease
    const lease = await this.core.acquire(acquireOptionsOf(options));
    const client = this.checkout(lease);
    const done = (error?: unknown) => {
      if (!lease.released) this.giveBack(lease, client, error, error !== undefined);
    };
    try {
      await client.query(begin);
    } catch (error) {
      done(this.provider.isFatal(error) ? error : undefined);
      throw error;
    }
    let result: T;
    try {
      result = await fn(client);
    } catch (error) {
      if (lease.released) throw error;
      try {
        await client.query('ROLLBACK');
        done();
      } catch (rollbackError) {
        done(rollbackError);
      }
      throw error;
    }
    if (lease.released) {
      throw new PoolError('POOL_LEASE_RELEASED', 'the transaction callback released its client before COMMIT; the transaction was rolled back, not committed', { pool: this.core.name });
    }
    let commit: pg.QueryResult;
    try {
      commit = await client.query('COMMIT');
    } catch (error) {
      // a failed COMMIT leaves no transaction open, or reset rolls it back; a dead client is destroyed
      done(this.provider.isFatal(error) ? error : undefined);
      throw error;
    }
    done();
    if (commit.command === 'ROLLBACK') {
      throw new PgPoolError('PG_TRANSACTION_ROLLED_BACK', 'COMMIT was turned into ROLLBACK by the server: a statement inside the transaction failed and its error was caught');
    }
    return result;
  }

  // ---------------------------------------------------------------- end

  end(): Promise<void>;
  end(callback: () => void): void;
  /** Closes the pool: waits for borrowed clients (up to 30 s), then closes every client. Idempotent. */
  end(callback?: () => void): Promise<void> | void {
    if (this.endPromise === undefined) {
      this.ending = true;
      this.endPromise = this.core.close().then(() => {
        this.ended = true;
      });
    }
    if (callback === undefined) return this.endPromise;
    this.endPromise.then(() => callback(), () => callback());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}

// drizzle-orm runs a transaction on one client only when `client instanceof pg.Pool`; with pg.Pool's
// prototype in the chain that check passes. No pg-pool code runs: every pg.Pool member that takes
// part in its API (connect, query, end, the counters) is defined above, so pg-pool's internals
// (`_pulseQueue`, `_clients`...) are never called.
Object.setPrototypeOf(PgPool.prototype, pg.Pool.prototype);

/** Creates a {@link PgPool}: `createPgPool({ connectionString, max: 10 })` or `createPgPool(url)`. */
export function createPgPool(config?: PgPoolConfig | string): PgPool {
  return new PgPool(config);
}
