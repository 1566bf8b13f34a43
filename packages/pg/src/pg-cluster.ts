import { EventEmitter } from 'node:events';
import { isPoolError, PoolError, PoolTimeoutError, traceCall, type AcquireOptions, type CallTraceContext } from '@pool/core';
import type pg from 'pg';
import { resolveClusterConfig, type PgClusterConfig } from './cluster-config.js';
import { roleMatches, type HostRole, type TargetSessionAttrs } from './host-role.js';
import { isWriteRoute, noHostError, pickHost } from './host-routing.js';
import { isFatalPgError } from './is-fatal.js';
import type { PgPoolClient } from './pg-pool.js';
import { PgHost, type HostListener, type HostSettings, type PgHostStatus } from './pg-host.js';
import { PgScaleError } from './scale-errors.js';
import type { TransactionOptions } from './transaction.js';

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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
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
export class PgCluster extends EventEmitter implements HostListener {
  /** Every host, in the order given (primary first). */
  readonly hosts: readonly PgHost[];
  /** Where `query`, `connect` and `transaction` go. */
  readonly targetSessionAttrs: TargetSessionAttrs;
  readonly name: string;
  ending = false;
  ended = false;
  private writer: PgHost | undefined;
  private writerController = new AbortController();
  private discovery: Promise<void> | undefined;
  private waiting = 0;
  private wakeUp: () => void = () => undefined;
  private changed: Promise<void>;
  private readonly timeoutMs: number;
  private readonly settings: HostSettings;
  private endPromise: Promise<void> | undefined;

  constructor(config: PgClusterConfig) {
    super();
    const resolved = resolveClusterConfig(config);
    this.name = resolved.name;
    this.settings = resolved.settings;
    this.targetSessionAttrs = resolved.targetSessionAttrs;
    this.hosts = resolved.hosts.map((host) => new PgHost(host, resolved.settings, this));
    this.timeoutMs = (this.hosts[0] as PgHost).pool.core.options.acquireTimeoutMs;
    this.changed = this.nextChange();
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
    if (typeof config === 'object' && config !== null && 'readOnly' in config) {
      const { readOnly, ...rest } = config;
      if (readOnly === true) route = 'prefer-standby';
      config = rest;
    }
    const promise = this.queryOn(route, config, values as unknown[] | undefined);
    if (typeof callback !== 'function') return promise;
    const cb = callback as (error: Error | undefined, result?: pg.QueryResult) => void;
    promise.then((result) => cb(undefined, result), (error: Error) => cb(error));
    return undefined;
  }

  /** Borrows a client where `targetSessionAttrs` says; give it back with `client.release()`. */
  connect(options?: AcquireOptions): Promise<PgPoolClient> {
    return this.connectOn(this.targetSessionAttrs, options);
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
    return this.writer?.up ? this.writer.name : undefined;
  }

  /** Each host's role, health, load and pool stats. */
  status(): PgHostStatus[] {
    return this.hosts.map((host) => host.status());
  }

  /** Closes every host's pool (waiting for borrowed clients, as PgPool.end does). Idempotent. */
  end(): Promise<void> {
    if (this.endPromise === undefined) {
      this.ending = true;
      this.wakeUp();
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
    return traceCall(context, async () => {
      const deadline = performance.now() + this.timeoutMs;
      for (;;) {
        const { client, host } = await this.lend(route, deadline, undefined);
        context.server = host.server;
        let failure: unknown;
        try {
          return await client.query(config as pg.QueryConfig, values);
        } catch (error) {
          failure = error;
          if (isReadOnlyError(error) && isWriteRoute(route)) {
            this.lostPrimary(host, error, true);
            // the server refused the statement: nothing ran, so it runs again on the new primary
            if (performance.now() < deadline) continue;
          } else if (isFatalPgError(error)) {
            host.noteFailure(error);
          }
          throw error;
        } finally {
          host.inflight--;
          client.release(failure !== undefined && isFatalPgError(failure) ? (failure as Error) : undefined);
        }
      }
    });
  }

  private async connectOn(route: TargetSessionAttrs, options: AcquireOptions | undefined): Promise<PgPoolClient> {
    const deadline = performance.now() + (options?.timeoutMs ?? this.timeoutMs);
    const { client, host } = await this.lend(route, deadline, options?.signal);
    const release = client.release;
    client.release = (error?: Error | boolean) => {
      host.inflight--;
      client.release = release;
      if (error instanceof Error && isReadOnlyError(error) && isWriteRoute(route)) this.lostPrimary(host, error, true);
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
    const deadline = performance.now() + (options?.timeoutMs ?? this.timeoutMs);
    for (;;) {
      const host = await this.hostFor(route, deadline, options?.signal);
      context.server = host.server;
      const own = this.signalsFor(route, host);
      try {
        const signal = options?.signal === undefined ? own : AbortSignal.any([options.signal, own]);
        return await host.pool.transaction(fn, { ...options, signal, timeoutMs: Math.max(1, deadline - performance.now()) });
      } catch (error) {
        // aborted by the host going down (or losing its primary role) before fn ran: route again
        if (isPoolError(error, 'POOL_ABORTED') && own.aborted && !options?.signal?.aborted) continue;
        if (isReadOnlyError(error) && isWriteRoute(route)) this.lostPrimary(host, error, true);
        else if (isFatalPgError(error)) host.noteFailure(error);
        throw error;
      } finally {
        host.inflight--;
      }
    }
  }

  /** A client on a host that `route` allows (counted in the host's `inflight` until the caller is done); waits (within the deadline) through a failover or a down host. */
  private async lend(route: TargetSessionAttrs, deadline: number, signal: AbortSignal | undefined): Promise<{ client: PgPoolClient; host: PgHost }> {
    for (;;) {
      const host = await this.hostFor(route, deadline, signal);
      const own = this.signalsFor(route, host);
      try {
        const client = await host.pool.acquire({ signal: signal === undefined ? own : AbortSignal.any([signal, own]), timeoutMs: Math.max(1, deadline - performance.now()) });
        return { client, host };
      } catch (error) {
        host.inflight--;
        if (signal?.aborted) throw error;
        // the host's circuit breaker is open: it is down, whatever the failure count says
        if (isPoolError(error, 'POOL_UNAVAILABLE')) host.markDown(error);
        // the host went down or stopped being the primary while we waited: route again
        if (own.aborted || isPoolError(error, 'POOL_UNAVAILABLE')) {
          if (performance.now() < deadline) continue;
          throw this.timeout(route, deadline, error);
        }
        throw error;
      }
    }
  }

  /**
   * The signal that moves a waiting acquire elsewhere: for the primary, its losing that role (which
   * going down also does, see onDown); for any other host, its going down.
   */
  private signalsFor(route: TargetSessionAttrs, host: PgHost): AbortSignal {
    return isWriteRoute(route) && host === this.writer ? this.writerController.signal : host.downSignal;
  }

  // ---------------------------------------------------------------- routing

  /** Waits for a host that fits `route` (its `inflight` counts the caller from here: the caller decrements it), probing the hosts with backoff meanwhile; a typed POOL_TIMEOUT at the deadline. */
  private async hostFor(route: TargetSessionAttrs, deadline: number, signal: AbortSignal | undefined): Promise<PgHost> {
    for (;;) {
      if (this.ending) throw new PoolError('POOL_CLOSED', 'the pg cluster is closed', { pool: this.name });
      if (signal?.aborted) throw new PoolError('POOL_ABORTED', 'the call was aborted while waiting for a host', { pool: this.name, cause: signal.reason });
      const host = pickHost(this.hosts, this.writer, route);
      if (host !== undefined) {
        // counted from the moment it is chosen, so callers arriving together spread over the hosts
        host.inflight++;
        return host;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw this.timeout(route, deadline, undefined);
      this.waiting++;
      this.discover();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          this.changed,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, remaining);
            onAbort = resolve;
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        this.waiting--;
      }
    }
  }

  private timeout(route: TargetSessionAttrs, deadline: number, cause: unknown): PoolTimeoutError {
    return noHostError(this.hosts, route, Math.round(this.timeoutMs - (deadline - performance.now())), this.name, cause);
  }

  /** Probes every host (fresh connections, the role query), in rounds with backoff, while callers wait for a host. */
  private discover(): void {
    if (this.discovery !== undefined || this.ending) return;
    this.discovery = (async () => {
      let attempt = 0;
      while (this.waiting > 0 && !this.ending) {
        await Promise.all(this.hosts.map((host) => host.probe()));
        this.notify();
        const { probeMinDelayMs, probeMaxDelayMs } = this.settings;
        const delay = Math.min(probeMaxDelayMs, probeMinDelayMs * 2 ** Math.min(attempt++, 30));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    })().finally(() => {
      this.discovery = undefined;
    });
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  /** Wakes every caller waiting for a host, to pick again. */
  private notify(): void {
    const wake = this.wakeUp;
    this.changed = this.nextChange();
    wake();
  }

  /** The primary stopped being one (25006, in recovery, down): forget it, optionally close its connections, find the new one. */
  private lostPrimary(host: PgHost, cause: unknown, evict: boolean): void {
    if (this.writer !== host) return;
    this.writer = undefined;
    this.writerController.abort(new PgScaleError('PG_HOST_ROLE_CHANGED', `${host.name} is no longer the primary`, { cause, host: host.name }));
    this.writerController = new AbortController();
    if (evict) host.evict(cause);
    this.emit('failover', { from: host.name, cause });
    this.notify();
  }

  // ---------------------------------------------------------------- HostListener

  /** @internal */
  onRole(host: PgHost, role: HostRole): void {
    if (host === this.writer) {
      if (!roleMatches(role, 'read-write')) this.lostPrimary(host, new PgScaleError('PG_HOST_ROLE_CHANGED', `${host.name} answered read-only (in recovery: ${role.standby})`, { host: host.name }), true);
    } else if (roleMatches(role, 'read-write') && (this.writer === undefined || !this.writer.up)) {
      this.writer = host;
      this.emit('primary', host.name);
    }
    this.notify();
  }

  /** @internal */
  onFailure(): void {}

  /** @internal */
  onDown(host: PgHost, cause: unknown): void {
    if (host === this.writer) this.lostPrimary(host, cause, false);
    this.emit('down', { host: host.name, cause });
    this.notify();
  }

  /** @internal */
  onUp(host: PgHost): void {
    this.emit('up', host.name);
    this.notify();
  }
}

/** Creates a {@link PgCluster}. */
export function createPgCluster(config: PgClusterConfig): PgCluster {
  return new PgCluster(config);
}
