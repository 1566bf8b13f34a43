import { EventEmitter } from 'node:events';
import { createPool, type AcquireOptions, type CloseOptions, type Pool, type PoolStats } from '@pool/core';
import { CallWatchdog, livenessDefaults, poolSource, type PoolSource } from '@pool/core/adapter-kit';
import mysql, { type FieldPacket, type PoolConnection, type Query, type QueryOptions, type QueryResult } from 'mysql2';
import type { CallOptions } from './call-options.js';
import type { MysqlValues } from './pool-connection.js';
import type { QueryPromise } from './pool-query.js';
import type { Connection } from 'mysql2/promise';
import { acquire } from './acquire.js';
import { callbackConnection } from './callback-connection.js';
import type { PoolContext } from './context.js';
import { MysqlPoolConnection } from './pool-connection.js';
import { readPoolConfig, type MysqlPoolConfig, type ReadConfig } from './pool-options.js';
import { poolExecute, poolQuery, poolRoute, type CallRoute } from './pool-query.js';
import { setInternals } from './pool-internals.js';
import { probeServer } from './probe.js';
import { buildMysqlProvider } from './provider.js';
import { sessionOf } from './session.js';
import { runTransaction } from './transaction.js';
import { splitRouting, type RoutingOptions } from './replica-config.js';
import { ReplicaSet, shouldFallBack } from './replica-set.js';
import { acquireOptionsOf } from './call-options.js';
import { mysql2PoolConfig, type Mysql2PoolConfig } from './pool-config.js';

export type { MysqlPoolConfig } from './pool-options.js';
type ResultCallback<T> = (error: any, rows: T, fields: FieldPacket[]) => void;
type EndCallback = (error: NodeJS.ErrnoException | null, ...args: any[]) => any;
/** mysql2's `getConnection` callback type (`connection` is undefined when `error` is set, there too). */
type ConnectionCallback = (error: NodeJS.ErrnoException | null, connection: PoolConnection) => any;

/**
 * mysql2's pool on @pool/core, for code written against `mysql2`'s `createPool` or
 * `mysql2/promise`'s: mysql2's options (`connectionLimit`, `waitForConnections`, `queueLimit`,
 * `maxIdle`, `idleTimeout`, `resetOnRelease`), the callback and promise forms of `query`, `execute`,
 * `getConnection`, `releaseConnection` and `end`, the events `connection`, `acquire`, `enqueue` and
 * `release`, `escape`/`escapeId`/`format`, `promise()` and streaming (`query(sql).stream()`).
 * Plus @pool's: deadlines, COM_PING after idle, reset on release, a frozen-server watchdog,
 * `transaction(fn)` and `stats()`.
 */
export class MysqlPool extends EventEmitter implements AsyncDisposable, Disposable, PoolSource {
  /** The underlying @pool/core pool: its events (`on('error')`...), `resize`, `pause`, `evictAll`. */
  readonly pool: Pool<Connection>;
  readonly #ctx: PoolContext;
  readonly #route: CallRoute;
  readonly #settings: ReadConfig;
  readonly #replicas: ReplicaSet<MysqlPool> | undefined;
  readonly #driver: mysql.ConnectionOptions;
  #config: Mysql2PoolConfig | undefined;

  constructor(config: (MysqlPoolConfig & RoutingOptions) | string, allowed: readonly string[] = []) {
    super();
    const routing = splitRouting(config);
    const settings = readPoolConfig(routing.primary, allowed);
    this.#settings = settings;
    const connection = Object.fromEntries(Object.entries(settings.connection).filter(([key]) => !allowed.includes(key)));
    const built = buildMysqlProvider(connection);
    const pool = createPool(built.provider, settings.core);
    this.pool = pool;
    const { driver, secrets } = built;
    const watchdog = settings.livenessCheckAfterMs === Infinity || settings.livenessCheckAfterMs === 0 ? undefined : new CallWatchdog({
      thresholdMs: settings.livenessCheckAfterMs,
      checkTimeoutMs: Math.min(pool.options?.validateTimeoutMs ?? 5_000, livenessDefaults.maxCheckTimeoutMs),
      probe: (signal) => probeServer(built.target(), secrets, signal),
      pool: pool.name,
    });
    this.#driver = driver;
    this.#ctx = {
      core: pool,
      name: pool.name,
      trace: settings.trace,
      queryTimeoutMs: settings.queryTimeoutMs,
      watchdog,
      queryConfig: { rowsAsArray: driver.rowsAsArray, infileStreamFactory: driver.infileStreamFactory, namedPlaceholders: driver.namedPlaceholders },
      retryOnReadOnly: settings.connection.hosts !== undefined,
      server: serverOf(driver),
      waitForConnections: settings.waitForConnections,
      queueLimit: settings.mysql2.queueLimit,
      queueText: settings.waitForConnections ? 'Queue limit reached.' : 'No connections available.',
      onEnqueue: undefined,
    };
    this.#route = poolRoute(this.#ctx);
    setInternals(this, { ctx: this.#ctx, gracefulEnd: settings.gracefulEnd });
    this.#replicas = routing.replicas.length === 0 ? undefined : new ReplicaSet(routing.replicas.map((replica) => new MysqlPool(replica)), this);
    // mysql2's events, wired to the core pool's only once someone listens: the lend/return path
    // stays free of event payloads otherwise
    const view = (resource: Connection) => callbackConnection(resource, settings.gracefulEnd);
    const wired = new Set<string | symbol>();
    this.on('newListener', (event: string | symbol) => {
      if (wired.has(event)) return;
      wired.add(event);
      if (event === 'connection') {
        // the SET statements its listeners send are replayed after a full session reset (resetSession)
        pool.on('create', ({ resource }) => {
          const announce = () => this.emit('connection', view(resource));
          const session = sessionOf(resource);
          if (session === undefined) announce();
          else session.recordSetup(announce);
        });
      }
      else if (event === 'acquire') pool.on('acquire', ({ resource }) => this.emit('acquire', view(resource)));
      else if (event === 'release') pool.on('release', ({ resource }) => this.emit('release', view(resource)));
      else if (event === 'enqueue') (this.#ctx as { onEnqueue: (() => void) | undefined }).onEnqueue = () => this.emit('enqueue');
    });
  }

  /**
   * A text-protocol query: `query(sql, values?, cb)` calls back `(err, rows, fields)` and returns
   * mysql2's `Query`; without a callback it returns a promise of `[rows, fields]` that can also
   * `.stream()`. An object third argument is per-call options: `{ signal, timeoutMs, queryTimeoutMs }`.
   */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): QueryPromise<[T, FieldPacket[]]>;
  query(sql: unknown, ...rest: unknown[]): unknown {
    if (this.#replicas !== undefined && isRead(rest)) return routeRead(this.#replicas, this, 'query', [sql, ...rest]);
    return poolQuery(this.#route, sql, rest, MysqlPool.prototype.query);
  }

  /** A prepared statement (binary protocol), in the same callback and promise forms as `query`. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): Promise<[T, FieldPacket[]]>;
  execute(sql: unknown, ...rest: unknown[]): unknown {
    if (this.#replicas !== undefined && isRead(rest)) return routeRead(this.#replicas, this, 'execute', [sql, ...rest]);
    return poolExecute(this.#route, sql, rest, MysqlPool.prototype.execute);
  }

  /**
   * Borrows a connection. `getConnection(cb)` calls back with mysql2's callback-API `PoolConnection`
   * (what Kysely's MysqlDialect uses); `getConnection(options?)` resolves a {@link MysqlPoolConnection}
   * (mysql2/promise's). Give it back with `release()` (or `releaseConnection(conn)`).
   */
  getConnection(callback: ConnectionCallback): void;
  getConnection(options?: CallOptions): Promise<MysqlPoolConnection>;
  getConnection(options: CallOptions, callback: ConnectionCallback): void;
  getConnection(first?: CallOptions | ConnectionCallback, second?: ConnectionCallback): Promise<MysqlPoolConnection> | void {
    const callback = typeof first === 'function' ? first : second;
    const options = typeof first === 'function' ? undefined : first as CallOptions | undefined;
    if (this.#replicas !== undefined && options?.readOnly === true) {
      const { readOnly: _, ...rest } = options;
      const target = this.#replicas.pick();
      if (target !== this) {
        const borrowed = target.getConnection(rest).catch((error: unknown) => {
          if (!shouldFallBack(error)) throw error;
          this.#replicas!.markDown(target);
          return this.getConnection(rest);
        });
        if (callback === undefined) return borrowed;
        borrowed.then((conn) => process.nextTick(callback, null, conn.connection), (error: unknown) => process.nextTick(callback, error));
        return;
      }
    }
    const { gracefulEnd } = this.#settings;
    const leased = acquire(this.#ctx, acquireOptionsOf(options), this.#ctx.watchdog);
    if (callback === undefined) return leased.then((lease) => new MysqlPoolConnection(lease, gracefulEnd));
    leased.then(
      // outside the promise chain: an exception in the callback is an uncaught exception, as with mysql2
      (lease) => process.nextTick(callback, null, new MysqlPoolConnection(lease, gracefulEnd).connection),
      (error: unknown) => process.nextTick(callback, error),
    );
  }

  /**
   * The pool reads should go to now: the healthy replica with the least outstanding work, or this
   * (the primary) when no replica is configured or healthy. `pool.replica().query(sql).stream()` streams from a replica.
   */
  replica(): MysqlPool {
    return this.#replicas?.pick() ?? this;
  }

  /** The replicas' pools (empty without `replicas`). */
  get replicas(): readonly MysqlPool[] {
    return this.#replicas?.replicas ?? [];
  }

  /**
   * mysql2's `pool.config`: `connectionLimit`, `waitForConnections`, `queueLimit`, `maxIdle`,
   * `idleTimeout`, `resetOnRelease` (with mysql2's defaults) and `connectionConfig` (mysql2's
   * ConnectionConfig, password fields removed). Read-only: changing it changes nothing.
   */
  get config(): Mysql2PoolConfig {
    this.#config ??= mysql2PoolConfig(this.#driver, this.#settings.mysql2);
    return this.#config;
  }

  /** mysql2's `pool.releaseConnection(conn)`: the same as `conn.release()`. */
  releaseConnection(connection: { release(): void }): void {
    connection.release();
  }

  /** START TRANSACTION ... COMMIT on one connection; ROLLBACK and rethrow when `fn` throws. */
  transaction<T>(fn: (connection: MysqlPoolConnection) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    return runTransaction(this, fn, options, this.#ctx.watchdog);
  }

  /**
   * Escapes a value as mysql2's `pool.escape`: with the pool's `stringifyObjects` and `timezone` as
   * mysql2's ConnectionConfig settles them (`false` and `'local'` when unset; an unset
   * `stringifyObjects` would make the escaper expand an object into `key = value` pairs).
   */
  escape(value: unknown): string {
    const { stringifyObjects, timezone } = this.config.connectionConfig;
    return mysql.escape(value as never, stringifyObjects, timezone as never);
  }

  /** Escapes an identifier as mysql2's `pool.escapeId`. */
  escapeId(value: string | string[]): string {
    return mysql.escapeId(value, false);
  }

  /** Interpolates `values` into `sql` as mysql2's `pool.format`. */
  format(sql: string, values?: unknown): string {
    const { stringifyObjects, timezone } = this.config.connectionConfig;
    return mysql.format(sql, values as never, stringifyObjects, timezone as never);
  }

  /** mysql2's `promise()`: this pool already speaks promises, so it returns itself. */
  promise(): this {
    return this;
  }

  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.pool as Pool<unknown>];
  }

  /** Sizes and totals of the pool. */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /**
   * Closes the pool: callers still waiting fail ('Pool is closed.'), borrowed connections are
   * waited for (up to `timeoutMs`), then every connection is closed. `end(cb)` calls back.
   */
  end(callback?: EndCallback): Promise<void>;
  end(options?: CloseOptions, callback?: EndCallback): Promise<void>;
  end(first?: CloseOptions | EndCallback, second?: EndCallback): Promise<void> {
    const callback = typeof first === 'function' ? first : second;
    const options = typeof first === 'function' ? undefined : first;
    this.#ctx.watchdog?.close();
    const closed = Promise.all([this.pool.close(options), ...this.replicas.map((replica) => replica.end(options))]).then(() => undefined);
    if (callback === undefined) return closed;
    closed.then(() => process.nextTick(callback, null), (error: unknown) => process.nextTick(callback, error));
    return closed.catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  /** mysql2's callback pool's `[Symbol.dispose]` (`using pool = ...`): starts `end()` without waiting for it. */
  [Symbol.dispose](): void {
    // end() without options does not reject (a failed destroy is the core pool's 'error' event), and a
    // synchronous dispose has no caller left to hand an error to; mysql2's dispose ignores it too
    this.end().catch(() => undefined);
  }
}

/** True when the call's options (third argument) ask for a replica. */
function isRead(rest: readonly unknown[]): boolean {
  const options = rest[1];
  return typeof options === 'object' && options !== null && (options as CallOptions).readOnly === true;
}

/** Runs a read on a replica, and on the primary instead when the replica failed for a connection reason. */
function routeRead(set: ReplicaSet<MysqlPool>, primary: MysqlPool, method: 'query' | 'execute', list: unknown[]): unknown {
  const callback = typeof list[list.length - 1] === 'function' ? list.pop() as (error: unknown, rows?: unknown, fields?: unknown) => void : undefined;
  const [sql, values, options] = list as [string, MysqlValues | undefined, CallOptions];
  const { readOnly: _, ...rest } = options;
  const run = (pool: MysqlPool) => (pool[method] as (sql: string, values: unknown, options: CallOptions) => Promise<[unknown, unknown]>)(sql, values, rest);
  const target = set.pick();
  const result = target === primary ? run(primary) : run(target).catch((error: unknown) => {
    if (!shouldFallBack(error)) throw error;
    set.markDown(target);
    return run(primary);
  });
  if (callback === undefined) return result;
  result.then(([rows, fields]) => process.nextTick(callback, null, rows, fields), (error: unknown) => process.nextTick(callback, error));
  return undefined;
}

function serverOf(driver: mysql.ConnectionOptions): PoolContext['server'] {
  const server: PoolContext['server'] = {};
  if (driver.host !== undefined) server.host = driver.host;
  if (driver.port !== undefined) server.port = driver.port;
  if (driver.database !== undefined) server.database = driver.database;
  return server;
}

/** Creates a {@link MysqlPool}: mysql2's `createPool(config)` (options or a mysql:// URL), plus @pool's options. */
export function createMysqlPool(config: (MysqlPoolConfig & RoutingOptions) | string): MysqlPool {
  return new MysqlPool(config);
}

