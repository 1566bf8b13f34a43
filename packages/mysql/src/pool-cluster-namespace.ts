import { isPoolError, PoolTimeoutError, type Lease, type PoolError } from '@pool/core';
import type { FieldPacket, PoolConnection, Query, QueryOptions, QueryResult } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { applyCallSite } from './call-site.js';
import { acquireOptionsOf, type CallOptions } from './call-options.js';
import { callTrace } from '@pool/core/adapter-kit';
import { MysqlPoolConnection, type MysqlValues } from './pool-connection.js';
import type { ClusterNode } from './pool-cluster-node.js';
import type { ClusterNodes } from './pool-cluster-nodes.js';
import { RetryPace } from './pool-cluster-pace.js';
import { clusterClosedError, noNodeError, type Pick } from './pool-cluster-select.js';
import { poolExecute, poolQuery, traced, type CallRoute, type QueryPromise } from './pool-query.js';
import { StatementCall } from './statement-call.js';

type ResultCallback<T> = (error: any, rows: T, fields: FieldPacket[]) => void;
/** mysql2's `getConnection` callback type (`connection` is undefined when `error` is set, there too). */
export type ClusterConnectionCallback = (error: NodeJS.ErrnoException | null, connection: PoolConnection) => any;

/** A connection a namespace borrowed, and the node it came from. */
interface Borrowed {
  node: ClusterNode;
  lease: Lease<Connection>;
}

/**
 * mysql2's `PoolNamespace` (`cluster.of(pattern, selector)`): the nodes whose id matches the
 * pattern, one picked per borrow by the selector. `getConnection`, `query` and `execute` in the
 * callback form of mysql2's PoolCluster and the promise form of mysql2/promise's. A borrow that
 * fails on a node counts against it and, with `canRetry`, moves to the next pick ('warn'), as in mysql2;
 * `query` and `execute` then run as a one-shot call of the node's pool (deadlines, the frozen-server
 * watch, locks released before the reply, the connection back before the caller hears).
 */
export class PoolNamespace {
  readonly #nodes: ClusterNodes;
  readonly #pattern: string | RegExp;
  readonly #pick: Pick;
  readonly #route: CallRoute;

  constructor(nodes: ClusterNodes, pattern: string | RegExp, pick: Pick) {
    this.#nodes = nodes;
    this.#pattern = pattern;
    this.#pick = pick;
    this.#route = clusterRoute(this, (options) => this.#borrow(options));
  }

  /** The pattern node ids are matched against. */
  get pattern(): string | RegExp {
    return this.#pattern;
  }

  /**
   * mysql2's `trace` of a namespace: true when any node of the pattern has `trace` on (mysql2's
   * default) or none matches; then errors of `query`/`execute` carry the caller's stack.
   */
  get trace(): boolean {
    const ids = this.#nodes.find(this.#pattern, true);
    return ids.length === 0 || ids.some((id) => this.#nodes.get(id)?.ctx.trace !== false);
  }

  /**
   * Borrows a connection from a node of the pattern. `getConnection(cb)` calls back with mysql2's
   * callback-API `PoolConnection` (with mysql2's `_clusterId`, the node's id); `getConnection(options?)`
   * resolves a {@link MysqlPoolConnection} (mysql2/promise's). Give it back with `release()`.
   */
  getConnection(callback: ClusterConnectionCallback): void;
  getConnection(options?: CallOptions): Promise<MysqlPoolConnection>;
  getConnection(options: CallOptions | undefined, callback: ClusterConnectionCallback): void;
  getConnection(first?: CallOptions | ClusterConnectionCallback, second?: ClusterConnectionCallback): Promise<MysqlPoolConnection> | void {
    const callback = typeof first === 'function' ? first : second;
    const options = typeof first === 'function' ? undefined : first;
    const lent = this.#borrow(options).then(({ node, lease }) => {
      const connection = new MysqlPoolConnection(lease, node.gracefulEnd);
      (connection.connection as PoolConnection & { _clusterId?: string })._clusterId = node.id;
      return connection;
    });
    if (callback === undefined) return lent;
    lent.then(
      // outside the promise chain: an exception in the callback is an uncaught exception, as with mysql2
      (connection) => process.nextTick(callback, null, connection.connection),
      (error: unknown) => process.nextTick(callback, error as NodeJS.ErrnoException),
    );
  }

  /**
   * A text-protocol query on a node of the pattern: `query(sql, values?, cb)` calls back `(err, rows,
   * fields)` and returns mysql2's `Query`; without a callback a promise of `[rows, fields]` that can
   * also `.stream()`. An object third argument is per-call options (`{ signal, timeoutMs, queryTimeoutMs }`).
   */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): QueryPromise<[T, FieldPacket[]]>;
  query(sql: unknown, ...rest: unknown[]): unknown {
    return poolQuery(this.#route, sql, rest, PoolNamespace.prototype.query);
  }

  /** A prepared statement on a node of the pattern, in the same callback and promise forms as `query`. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): Promise<[T, FieldPacket[]]>;
  execute(sql: unknown, ...rest: unknown[]): unknown {
    return poolExecute(this.#route, sql, rest, PoolNamespace.prototype.execute);
  }

  /**
   * mysql2's borrow: pick an online node of the pattern (the selector, or the only one), borrow from
   * its pool; a success lowers the node's error count (an offline node is 'online' again), a failure
   * raises it ('offline' or 'remove' at `removeNodeErrorCount`) and, with `canRetry` while a node of
   * the pattern is online, is announced ('warn') and tried again on the next pick, paced past the first
   * round of the pattern's nodes ({@link RetryPace}). A per-call `timeoutMs` bounds the whole borrow,
   * every try and pause included: at the deadline it fails with the last try's error.
   */
  async #borrow(options: CallOptions | undefined): Promise<Borrowed> {
    const nodes = this.#nodes;
    const pattern = this.#pattern;
    const acquireOptions = acquireOptionsOf(options);
    const timeoutMs = acquireOptions?.timeoutMs;
    // a bad timeoutMs goes to the node's pool as it is, which refuses it (POOL_INVALID_OPTION)
    const deadline = typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs !== Infinity ? performance.now() + timeoutMs : undefined;
    let pace: RetryPace | undefined;
    for (;;) {
      if (nodes.closed) throw clusterClosedError('get a connection');
      const node = this.#pickNode();
      if (node === undefined) throw noNodeError(nodes.find(pattern, true).length !== 0);
      const left = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
      const mark = node.failureMark;
      try {
        // fail at the node's first failed connect when the caller asked for no retry (mysql2's canRetry: false),
        // or when another online node of the pattern can take the borrow; else wait on within the deadline
        const failsAtConnectError = () => !nodes.settings.canRetry || nodes.find(pattern).some((id) => id !== node.id);
        const lease = await node.acquire(left === undefined ? acquireOptions : { ...acquireOptions, timeoutMs: left }, failsAtConnectError);
        nodes.succeeded(node);
        return { node, lease };
      } catch (error) {
        // the caller's own abort or bad options, a busy node's deadline, an ended cluster: nothing to count or retry
        if (nodes.closed || acquireOptions?.signal?.aborted === true || !isNodeFailure(error)) throw error;
        if (!node.removed && node.claimFailure(mark, error)) nodes.failed(node);
        const timedOut = deadline !== undefined && performance.now() >= deadline;
        const online = nodes.find(pattern).length;
        if (!nodes.settings.canRetry || timedOut || online === 0) throw error;
        nodes.warn(error);
        // a node's pool may refuse at once (a permanent connect error, an open breaker): unpaced, a loop over
        // such nodes (removeNodeErrorCount: Infinity) would spin the CPU until the deadline (mysql2's tries are
        // real connects, and it loops for ever). The pause ends early on the caller's abort or the cluster's end.
        pace ??= new RetryPace();
        if (!await pace.pause(online, deadline, [acquireOptions?.signal, nodes.endSignal])) throw error;
      }
    }
  }

  /** The node a borrow goes to: the only online one, or the selector's pick among them. */
  #pickNode(): ClusterNode | undefined {
    const ids = this.#nodes.find(this.#pattern);
    if (ids.length === 0) return undefined;
    return this.#nodes.get(ids.length === 1 ? ids[0]! : this.#pick(ids));
  }
}

/**
 * Whether a failed borrow counts against its node (mysql2 counts every getConnection error). Not:
 * bad call options, and a deadline that passed while the node was up but busy (POOL_TIMEOUT; mysql2's
 * pool has no acquire deadline), which would otherwise take a merely saturated node out. A deadline
 * that passed while the node's connects kept failing reaches here as the connect error, and counts.
 */
function isNodeFailure(error: unknown): boolean {
  if (error instanceof PoolTimeoutError && error.phase === 'acquire') return false;
  return !(isPoolError(error) && (error as PoolError).code === 'POOL_INVALID_OPTION');
}

/** How a namespace's one-shot calls get their connection: the borrow above, then the node pool's statement call. */
function clusterRoute(namespace: PoolNamespace, borrow: (options: CallOptions | undefined) => Promise<Borrowed>): CallRoute {
  return {
    get trace() {
      return namespace.trace;
    },
    // mysql2's namespace builds its Query with no connection config; the connection it runs on fills in the rest
    queryConfig: {},
    run(operation, statement, args, send, finish, site) {
      const start = (done: typeof finish): void => {
        borrow(args.options).then(
          ({ node, lease }) => new StatementCall(node.ctx, args.options, send, done, site).runOn(lease),
          (error: unknown) => {
            applyCallSite(error, site);
            process.nextTick(done, error);
          },
        );
      };
      if (!callTrace.hasSubscribers) start(finish);
      else traced({ pool: `mysql-cluster:${String(namespace.pattern)}`, adapter: 'mysql', operation }, statement, start, finish);
    },
    lend: (args) => borrow(args.options).then(({ node, lease }) => ({ ctx: node.ctx, lease })),
  };
}
