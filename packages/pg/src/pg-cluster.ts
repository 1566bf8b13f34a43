import { EventEmitter } from 'node:events';
import { isPoolError, type AcquireOptions, type Pool } from '@pool/core';
import { linkSignals, poolSource, traceCall, type CallTraceContext, type PoolSource } from '@pool/core/adapter-kit';
import pg from 'pg';
import { resolveClusterConfig, type PgClusterConfig } from './cluster-config.js';
import { ClusterState } from './cluster-state.js';
import type { TargetSessionAttrs } from './host-role.js';
import { isWriteRoute } from './host-routing.js';
import { PgPoolError } from './errors.js';
import { isFatalPgError } from './is-fatal.js';
import { splitMultiHostUrl } from './multi-host-url.js';
import type { PgPoolClient } from './pg-pool.js';
import type { PgHost, PgHostStatus } from './pg-host.js';
import type { TransactionOptions } from './transaction.js';
import { withCallerStack } from './caller-stack.js';

/** A query config that may ask for a replica: `{ text, values, readOnly: true }`. */
export type PgClusterQueryConfig = pg.QueryConfig & { readOnly?: boolean };

/** What `query`, `connect` and `transaction` of a {@link PgRoute} take. */
export interface PgRoute {
  /** Which servers this route uses. */
  readonly targetSessionAttrs: TargetSessionAttrs;
  query<R extends pg.QueryResultRow = any>(config: string | PgClusterQueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
  connect(options?: AcquireOptions): Promise<PgPoolClient>;
  transaction<T>(fn: (client: PgPoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T>;
}

const READ_ONLY_SQL_TRANSACTION = '25006';

function isReadOnlyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === READ_ONLY_SQL_TRANSACTION;
}

/**
 * Several PostgreSQL servers behind one pool: a primary and its streaming replicas, one @pool/core
 * pool per host. `query`, `connect` and `transaction` go where `targetSessionAttrs` says (the
 * primary by default: libpq's `read-write`); `replica()` (or `query({ text, readOnly: true })`) goes
 * to the standby with the least outstanding work, or to the primary when no standby is healthy.
 *
 * Failover: a write refused with 25006 (read_only_sql_transaction), a primary whose new connection or
 * health check reports `pg_is_in_recovery()`, or a primary that stopped answering, makes the cluster
 * close that host's connections and probe every host for the new primary (libpq's read-write rule),
 * with backoff. Callers waiting meanwhile keep waiting, within their deadline, and then run on the
 * new primary; a `query` refused with 25006 is run again there (the server refused it: nothing ran).
 * A caller whose deadline passes first gets a POOL_TIMEOUT whose cause says which host was what.
 *
 * Events: 'primary' (host name) when a primary is found, 'failover' ({ from, cause }) when the primary
 * is lost, 'down' ({ host, cause }) and 'up' (host name) as hosts leave and rejoin the rotation.
 */
export class PgCluster extends EventEmitter implements PoolSource {
  /** Every host, in the order given (primary first). */
  readonly hosts: readonly PgHost[];
  /** Where `query`, `connect` and `transaction` go. */
  readonly targetSessionAttrs: TargetSessionAttrs;
  readonly name: string;
  ending = false;
  ended = false;
  private readonly state: ClusterState;
  private endPromise: Promise<void> | undefined;

  constructor(config: PgClusterConfig) {
    super();
    const resolved = resolveClusterConfig(config);
    this.name = resolved.name;
    this.targetSessionAttrs = resolved.targetSessionAttrs;
    this.state = new ClusterState(resolved, (event, payload) => this.emit(event, payload));
    this.hosts = this.state.hosts;
  }

  // ---------------------------------------------------------------- the API

  /** Runs one statement where `targetSessionAttrs` says; `{ readOnly: true }` in the config sends it to a replica. */
  query<R extends pg.QueryResultRow = any>(config: string | PgClusterQueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow = any>(config: string | PgClusterQueryConfig, callback: (error: Error | undefined, result?: pg.QueryResult<R>) => void): void;
  query<R extends pg.QueryResultRow = any>(config: string | PgClusterQueryConfig, values: unknown[] | undefined, callback: (error: Error | undefined, result?: pg.QueryResult<R>) => void): void;
  query(config: string | PgClusterQueryConfig, values?: unknown, callback?: unknown): unknown {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    let route = this.targetSessionAttrs;
    let promise: Promise<pg.QueryResult>;
    if (typeof config !== 'string' && (typeof config !== 'object' || config === null)) {
      promise = Promise.reject(new TypeError('cluster.query expects query text or a query config object'));
    } else if (typeof config === 'object' && typeof (config as { submit?: unknown }).submit === 'function') {
      promise = Promise.reject(new PgPoolError('PG_SUBMITTABLE_NOT_SUPPORTED', 'cluster.query does not take a Submittable (pg-cursor, pg-query-stream): borrow a client with connect() and release it when the stream ends'));
    } else {
      if (typeof config === 'object' && 'readOnly' in config) {
        const { readOnly, ...rest } = config;
        if (readOnly === true) route = 'prefer-standby';
        config = rest;
      }
      promise = this.queryOn(route, config, values as unknown[] | undefined);
    }
    if (typeof callback !== 'function') return withCallerStack(promise);
    const cb = callback as (error: Error | undefined, result?: pg.QueryResult) => void;
    promise.then((result) => cb(undefined, result), (error: Error) => cb(error));
    return undefined;
  }

  /** Borrows a client where `targetSessionAttrs` says; give it back with `client.release()`. */
  connect(options?: AcquireOptions): Promise<PgPoolClient> {
    return withCallerStack(this.connectOn(this.targetSessionAttrs, options));
  }

  /** BEGIN ... COMMIT on one client where `targetSessionAttrs` says (a replica when `readOnly: true`). */
  transaction<T>(fn: (client: PgPoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    return this.transactionOn(options?.readOnly === true ? 'prefer-standby' : this.targetSessionAttrs, fn, options);
  }

  /** Reads: the standby with the least outstanding work, the primary when none is healthy. */
  replica(): PgRoute {
    return this.route('prefer-standby');
  }

  /** A handle whose calls go where `attrs` says (libpq's target_session_attrs). */
  route(attrs: TargetSessionAttrs): PgRoute {
    return {
      targetSessionAttrs: attrs,
      query: (config, values) => this.queryOn(attrs, config, values),
      connect: (options) => this.connectOn(attrs, options),
      transaction: (fn, options) => this.transactionOn(attrs, fn, options),
    };
  }

  /** The current primary's `host:port`, or undefined while none is known. */
  get primaryHost(): string | undefined {
    return this.state.primaryHost;
  }

  /** pg.Pool's counters, summed over the hosts' pools. */
  get totalCount(): number {
    return this.hosts.reduce((sum, host) => sum + host.pool.totalCount, 0);
  }

  get idleCount(): number {
    return this.hosts.reduce((sum, host) => sum + host.pool.idleCount, 0);
  }

  get waitingCount(): number {
    return this.hosts.reduce((sum, host) => sum + host.pool.waitingCount, 0);
  }

  get expiredCount(): number {
    return this.hosts.reduce((sum, host) => sum + host.pool.expiredCount, 0);
  }

  /** Each host's @pool/core pool, for @pool/metrics (`exporter.add(cluster)`: one series per host). */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return this.hosts.flatMap((host) => host.pool[poolSource]());
  }

  /** Each host's role, health, load and pool stats. */
  status(): PgHostStatus[] {
    return this.hosts.map((host) => host.status());
  }

  /** Closes every host's pool (waiting for borrowed clients, as PgPool.end does). Idempotent. */
  end(): Promise<void> {
    if (this.endPromise === undefined) {
      this.ending = true;
      this.state.close();
      this.endPromise = Promise.all(this.hosts.map((host) => host.close())).then(() => {
        this.ended = true;
      });
    }
    return this.endPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  // ---------------------------------------------------------------- calls

  private queryOn(route: TargetSessionAttrs, config: string | pg.QueryConfig, values: unknown[] | undefined): Promise<pg.QueryResult> {
    const text = typeof config === 'string' ? config : config?.text;
    const context: CallTraceContext = { pool: this.name, adapter: 'pg', operation: 'query', statement: typeof text === 'string' ? text : undefined };
    // a query deadline (the config's, else the pool's) bounds the whole call, routing and acquire included
    const own = typeof config === 'object' && config !== null ? (config as { queryTimeoutMs?: unknown }).queryTimeoutMs : undefined;
    const queryTimeoutMs = typeof own === 'number' ? own : this.state.queryTimeoutMs;
    return traceCall(context, async () => {
      const deadline = performance.now() + (queryTimeoutMs > 0 ? Math.min(queryTimeoutMs, this.state.timeoutMs) : this.state.timeoutMs);
      for (;;) {
        // its wait for a client is watched for a frozen server unless its own deadline bounds it, as a PgPool's query
        const { client, host } = await this.lend(route, deadline, undefined, queryTimeoutMs <= 0);
        context.server = host.server;
        let failure: unknown;
        const call = host.pool.queryHeld(client, config, values, queryTimeoutMs > 0 ? deadline : undefined);
        try {
          return await call;
        } catch (error) {
          failure = error;
          if (isReadOnlyError(error) && isWriteRoute(route)) {
            this.state.lostPrimary(host, error, true);
            // the server refused the statement: nothing ran, so it runs again on the new primary
            if (performance.now() < deadline) continue;
          } else if (isFatalPgError(error)) {
            host.noteFailure(error);
          }
          throw error;
        } finally {
          host.inflight--;
          // cut by its deadline or the liveness watch: the connection still owes a reply, so it goes
          client.release(failure !== undefined && (call.cut === true || isFatalPgError(failure)) ? (failure as Error) : undefined);
        }
      }
    });
  }

  private async connectOn(route: TargetSessionAttrs, options: AcquireOptions | undefined): Promise<PgPoolClient> {
    const deadline = performance.now() + (options?.timeoutMs ?? this.state.timeoutMs);
    const { client, host } = await this.lend(route, deadline, options?.signal);
    const release = client.release;
    client.release = (error?: Error | boolean) => {
      host.inflight--;
      client.release = release;
      if (error instanceof Error && isReadOnlyError(error) && isWriteRoute(route)) this.state.lostPrimary(host, error, true);
      else if (error instanceof Error && isFatalPgError(error)) host.noteFailure(error);
      return release.call(client, error);
    };
    return client;
  }

  private transactionOn<T>(route: TargetSessionAttrs, fn: (client: PgPoolClient) => Promise<T> | T, options: TransactionOptions | undefined): Promise<T> {
    const context: CallTraceContext = { pool: this.name, adapter: 'pg', operation: 'transaction' };
    return traceCall(context, () => this.runTransaction(route, fn, options, context));
  }

  private async runTransaction<T>(route: TargetSessionAttrs, fn: (client: PgPoolClient) => Promise<T> | T, options: TransactionOptions | undefined, context: CallTraceContext): Promise<T> {
    const deadline = performance.now() + (options?.timeoutMs ?? this.state.timeoutMs);
    for (;;) {
      const host = await this.state.hostFor(route, deadline, options?.signal);
      context.server = host.server;
      const own = this.state.signalFor(route, host);
      let started = false;
      // not AbortSignal.any: over the caller's long-lived signal it kept ~100 bytes a call for good (Node 20)
      const linked = options?.signal === undefined ? undefined : linkSignals(options.signal, own);
      try {
        const signal = linked === undefined ? own : linked.signal;
        return await host.pool.transaction((client) => {
          started = true;
          return fn(client);
        }, { ...options, signal, timeoutMs: Math.max(1, deadline - performance.now()) });
      } catch (error) {
        // aborted by the host going down (or losing its primary role) before fn ran: route again
        if (!started && isPoolError(error, 'POOL_ABORTED') && own.aborted && !options?.signal?.aborted) continue;
        if (isReadOnlyError(error) && isWriteRoute(route)) this.state.lostPrimary(host, error, true);
        else if (isFatalPgError(error)) host.noteFailure(error);
        throw error;
      } finally {
        linked?.release();
        host.inflight--;
      }
    }
  }

  /** A client on a host that `route` allows (counted in the host's `inflight` until the caller is done); waits (within the deadline) through a failover or a down host. */
  private async lend(route: TargetSessionAttrs, deadline: number, signal: AbortSignal | undefined, watched = true): Promise<{ client: PgPoolClient; host: PgHost }> {
    for (;;) {
      const host = await this.state.hostFor(route, deadline, signal);
      const own = this.state.signalFor(route, host);
      const linked = signal === undefined ? undefined : linkSignals(signal, own);
      try {
        const client = await host.pool.acquireFor({ signal: linked === undefined ? own : linked.signal, timeoutMs: Math.max(1, deadline - performance.now()) }, watched);
        return { client, host };
      } catch (error) {
        host.inflight--;
        if (signal?.aborted) throw error;
        // the host's circuit breaker is open: it is down, whatever the failure count says
        if (isPoolError(error, 'POOL_UNAVAILABLE')) host.markDown(error);
        // the host went down or stopped being the primary while we waited: route again
        if (own.aborted || isPoolError(error, 'POOL_UNAVAILABLE')) {
          if (performance.now() < deadline) continue;
          throw this.state.timeout(route, deadline, error);
        }
        throw error;
      } finally {
        linked?.release();
      }
    }
  }
}

// as PgPool does: Drizzle keeps a transaction on one client only when `client instanceof pg.Pool`;
// every pg.Pool member its API uses (query, connect, end, the counters) is defined above
Object.setPrototypeOf(PgCluster.prototype, pg.Pool.prototype);

/**
 * Creates a {@link PgCluster} from a cluster config, or from a libpq multi-host URL:
 * `createPgCluster('postgres://app@db-1,db-2:5433/app?target_session_attrs=read-write')`.
 */
export function createPgCluster(config: PgClusterConfig | string): PgCluster {
  if (typeof config === 'string') {
    const split = splitMultiHostUrl(config);
    if (split === undefined) return new PgCluster({ hosts: [config] });
    return new PgCluster({ hosts: split.hosts, targetSessionAttrs: split.targetSessionAttrs });
  }
  return new PgCluster(config);
}
