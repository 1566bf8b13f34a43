import { EventEmitter } from 'node:events';
import { assertKnownKeys, describeValue, numberOption, PoolOptionError, type CloseOptions, type Pool } from '@pool/core';
import { poolSource, type PoolSource } from '@pool/core/adapter-kit';
import type { FieldPacket, Query, QueryOptions, QueryResult } from 'mysql2';
import type { CallOptions } from './call-options.js';
import { MysqlPool } from './mysql-pool.js';
import type { MysqlPoolConfig } from './pool-options.js';
import type { MysqlPoolConnection, MysqlValues } from './pool-connection.js';
import type { QueryPromise } from './pool-query.js';
import { ClusterNode, type ClusterNodeStats } from './pool-cluster-node.js';
import { ClusterNodes, type ClusterSettings } from './pool-cluster-nodes.js';
import { PoolNamespace, type ClusterConnectionCallback } from './pool-cluster-namespace.js';
import { clusterClosedError, isSelector, selectors, type ClusterSelector } from './pool-cluster-select.js';

export { PoolNamespace, type ClusterConnectionCallback } from './pool-cluster-namespace.js';
export type { ClusterNodeStats } from './pool-cluster-node.js';
export type { ClusterSelector } from './pool-cluster-select.js';

/** mysql2's `PoolClusterOptions`. */
export interface PoolClusterOptions {
  /** A borrow that failed on a node is tried again on the next pick while a node of its pattern is online ('warn'). @default true */
  canRetry?: boolean;
  /** Failed borrows (less successes) after which a node goes offline (`restoreNodeTimeout`) or is removed. 0 means the default, as in mysql2. @default 5 */
  removeNodeErrorCount?: number;
  /** How long a node that reached `removeNodeErrorCount` stays offline ('offline', then 'online' at its next successful borrow); 0 removes it for good ('remove'). @default 0 */
  restoreNodeTimeout?: number;
  /** The selector of `of(pattern)` and `getConnection(pattern)` without one: `RR` (round-robin), `RANDOM` or `ORDER` (the first online node). @default 'RR' */
  defaultSelector?: ClusterSelector | Lowercase<ClusterSelector>;
}

/** A node's config: one server, as `createMysqlPool` takes it (options or a mysql:// URL), without `primary`/`replicas`. */
export type ClusterNodeConfig = MysqlPoolConfig | string;

type ResultCallback<T> = (error: any, rows: T, fields: FieldPacket[]) => void;
type EndCallback = (error: NodeJS.ErrnoException | null, ...args: any[]) => any;

const optionKeys = new Set(['canRetry', 'removeNodeErrorCount', 'restoreNodeTimeout', 'defaultSelector']);

/**
 * mysql2's `PoolCluster` (`mysql.createPoolCluster()`), with each node an @pool/mysql pool (health
 * pings, reset between borrowers, deadlines, clean shutdown): `add(id, config)` / `add(config)`,
 * `remove(pattern)`, `getConnection([pattern], [selector], cb)`, `of(pattern, selector)`, `end(cb)`,
 * the events `warn`, `remove`, `offline` and `online`, and mysql2's errors (`POOL_NOEXIST`,
 * `POOL_NONEONLINE`). Every method also speaks mysql2/promise's form: without a callback it returns
 * a promise. Plus `stats()` per node.
 */
export class PoolCluster extends EventEmitter implements AsyncDisposable, Disposable, PoolSource {
  readonly #nodes: ClusterNodes;
  readonly #namespaces = new Map<string, PoolNamespace>();
  #lastId = 0;
  #ended: Promise<void> | undefined;

  constructor(config: PoolClusterOptions = {}) {
    super();
    this.#nodes = new ClusterNodes(readClusterOptions(config), (event, payload) => this.emit(event, payload));
  }

  /** The settings after mysql2's defaults (`canRetry`, `removeNodeErrorCount`, `restoreNodeTimeout`, `defaultSelector`). */
  get config(): Readonly<ClusterSettings> {
    return this.#nodes.settings;
  }

  /**
   * Adds a node: `add('SLAVE1', config)`, or `add(config)` under the next `CLUSTER::<n>` id. Its pool is
   * an @pool/mysql pool of `config` (options are checked now: a bad one throws POOL_INVALID_OPTION).
   * An id already taken is ignored, as in mysql2: the first node keeps it.
   */
  add(config: MysqlPoolConfig): void;
  add(id: string, config: ClusterNodeConfig): void;
  add(first: string | MysqlPoolConfig, second?: ClusterNodeConfig): void {
    let id: string;
    let config: ClusterNodeConfig | undefined;
    if (typeof first === 'object' && first !== null) {
      config = first;
      id = `CLUSTER::${++this.#lastId}`;
    } else {
      if (typeof first !== 'string') throw new PoolOptionError('id', `Expected the node id to be a string (or the node's config alone), got ${describeValue(first)}`);
      id = first;
      config = second;
    }
    if (this.#nodes.closed) throw clusterClosedError(`add node ${id}`);
    if (this.#nodes.has(id)) return;
    if (typeof config === 'object' && config !== null && ('primary' in config || 'replicas' in config)) {
      const key = 'replicas' in config ? 'replicas' : 'primary';
      throw new PoolOptionError(key, `A PoolCluster node is one server: add the primary and each replica as nodes of their own (\`cluster.add('REPLICA1', config)\`) instead of \`${key}\``);
    }
    this.#nodes.add(new ClusterNode(id, new MysqlPool(config as MysqlPoolConfig)));
  }

  /** Removes the nodes whose id matches `pattern` (offline ones too); their pools end once their borrowed connections are back. No event, as in mysql2. */
  remove(pattern: string | RegExp): void {
    for (const id of this.#nodes.find(pattern, true)) {
      const node = this.#nodes.get(id);
      if (node !== undefined) this.#nodes.remove(node);
    }
  }

  /**
   * The nodes whose id matches `pattern` (`*` any run of characters; default `'*'`), one picked per
   * borrow by `selector` (default `defaultSelector`): a namespace with `getConnection`, `query` and
   * `execute`. The same object for the same pattern and selector, so `RR` goes round across calls.
   */
  of(pattern?: string | RegExp, selector?: string): PoolNamespace {
    // mysql2 reads `pattern || '*'` and `selector || defaultSelector`: null and '' are the defaults too
    const resolvedPattern = pattern === undefined || pattern === null || pattern === '' ? '*' : pattern;
    const name = selector === undefined || selector === null || selector === '' ? this.#nodes.settings.defaultSelector : typeof selector === 'string' ? selector.toUpperCase() : selector;
    if (!isSelector(name)) throw new PoolOptionError('selector', `Expected the selector to be 'RR', 'RANDOM' or 'ORDER', got ${describeValue(selector)}`);
    const key = `${String(resolvedPattern)}${name}`;
    let namespace = this.#namespaces.get(key);
    if (namespace === undefined) {
      namespace = new PoolNamespace(this.#nodes, resolvedPattern, selectors[name]());
      this.#namespaces.set(key, namespace);
    }
    return namespace;
  }

  /**
   * mysql2's `getConnection([pattern], [selector], cb)`: a connection from a node of `pattern` (`'*'`),
   * picked by `selector`. Without a callback (mysql2/promise) a promise of a {@link MysqlPoolConnection}.
   * Per-call options (`{ timeoutMs, signal, priority }`) may follow the selector.
   */
  getConnection(callback: ClusterConnectionCallback): void;
  getConnection(pattern: string | RegExp | undefined, callback: ClusterConnectionCallback): void;
  getConnection(pattern: string | RegExp | undefined, selector: string | undefined, callback: ClusterConnectionCallback): void;
  getConnection(pattern: string | RegExp | undefined, selector: string | undefined, options: CallOptions | undefined, callback: ClusterConnectionCallback): void;
  getConnection(pattern?: string | RegExp, selector?: string, options?: CallOptions): Promise<MysqlPoolConnection>;
  getConnection(...args: unknown[]): Promise<MysqlPoolConnection> | void {
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() as ClusterConnectionCallback : undefined;
    const [pattern, selector, options] = args as [string | RegExp | undefined, string | undefined, CallOptions | undefined];
    let namespace: PoolNamespace;
    try {
      namespace = this.of(pattern, selector);
    } catch (error) {
      if (callback === undefined) return Promise.reject(error);
      throw error;
    }
    if (callback === undefined) return namespace.getConnection(options);
    namespace.getConnection(options, callback);
  }

  /**
   * A query on a node of every node (`of('*')` with the default selector). mysql2's callback
   * PoolCluster has none, and mysql2/promise's rejects with a TypeError: here it works.
   */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): Query;
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): QueryPromise<[T, FieldPacket[]]>;
  query(sql: unknown, ...rest: unknown[]): unknown {
    return (this.of().query as (sql: unknown, ...rest: unknown[]) => unknown)(sql, ...rest);
  }

  /** A prepared statement on a node of every node (`of('*')`), as {@link query}. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values: MysqlValues | undefined, options: CallOptions, callback: ResultCallback<T>): void;
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: CallOptions): Promise<[T, FieldPacket[]]>;
  execute(sql: unknown, ...rest: unknown[]): unknown {
    return (this.of().execute as (sql: unknown, ...rest: unknown[]) => unknown)(sql, ...rest);
  }

  /** mysql2/promise's `cluster.poolCluster` (its callback cluster): this cluster takes callbacks itself. */
  get poolCluster(): this {
    return this;
  }

  /** mysql2's `promise()` shape: this cluster already speaks promises, so it returns itself. */
  promise(): this {
    return this;
  }

  /** Each node's pool stats, with its error count and whether it is online, by node id. */
  stats(): Record<string, ClusterNodeStats> {
    const now = performance.now();
    const out: Record<string, ClusterNodeStats> = {};
    for (const node of this.#nodes.all()) out[node.id] = node.stats(now);
    return out;
  }

  /** The nodes' pools by id (for their own stats, events and @pool/core pool). */
  get nodes(): ReadonlyMap<string, MysqlPool> {
    return new Map([...this.#nodes.all()].map((node) => [node.id, node.pool]));
  }

  /** The nodes' @pool/core pools, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [...this.#nodes.all()].map((node) => node.pool.pool as Pool<unknown>);
  }

  /**
   * Ends every node's pool: callers still waiting fail ('Pool is closed.'), borrowed connections
   * are waited for (up to `timeoutMs`), then every connection is closed. Afterwards every call fails
   * with POOL_CLOSED ('Pool is closed.'). `end(cb)` calls back; a second `end()` waits for the first.
   */
  end(callback?: EndCallback): Promise<void>;
  end(options?: CloseOptions, callback?: EndCallback): Promise<void>;
  end(first?: CloseOptions | EndCallback, second?: EndCallback): Promise<void> {
    const callback = typeof first === 'function' ? first : second;
    const options = typeof first === 'function' ? undefined : first;
    const ended = this.#ended ?? this.#startEnd(options);
    if (callback === undefined) return ended;
    ended.then(() => process.nextTick(callback, null), (error: unknown) => process.nextTick(callback, error));
    return ended.catch(() => undefined);
  }

  /** Starts ending every node, unless `options` are bad: then nothing ends (the cluster still serves) and the refusal is returned. */
  #startEnd(options: CloseOptions | undefined): Promise<void> {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)) {
      return Promise.reject(new PoolOptionError('timeoutMs', `Expected \`timeoutMs\` to be a number >= 0, got ${describeValue(timeoutMs)}`));
    }
    this.#ended = this.#nodes.end((node) => node.pool.end(options));
    return this.#ended;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  /** mysql2's callback cluster's `[Symbol.dispose]` (`using cluster = ...`): starts `end()` without waiting for it. */
  [Symbol.dispose](): void {
    this.end().catch(() => undefined);
  }
}

/** Checks the cluster's options and applies mysql2's defaults (`removeNodeErrorCount: 0` is 5, as `||` makes it there). */
function readClusterOptions(config: PoolClusterOptions): ClusterSettings {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PoolOptionError('config', `Expected the pool cluster's options to be an object, got ${describeValue(config)}`);
  }
  if ('Promise' in config) throw new PoolOptionError('Promise', 'Unknown option `Promise` for a @pool/mysql PoolCluster (it uses native promises; remove `Promise`)');
  assertKnownKeys(config, optionKeys, 'a @pool/mysql PoolCluster');
  const { canRetry, removeNodeErrorCount, restoreNodeTimeout, defaultSelector } = config;
  if (canRetry !== undefined && typeof canRetry !== 'boolean') throw new PoolOptionError('canRetry', `Expected \`canRetry\` to be a boolean, got ${describeValue(canRetry)}`);
  // mysql2 reads `defaultSelector || 'RR'` and upper-cases the selector it uses
  const selector = defaultSelector === undefined || (defaultSelector as string) === '' ? 'RR' : typeof defaultSelector === 'string' ? defaultSelector.toUpperCase() : defaultSelector;
  if (!isSelector(selector)) throw new PoolOptionError('defaultSelector', `Expected \`defaultSelector\` to be 'RR', 'RANDOM' or 'ORDER', got ${describeValue(defaultSelector)}`);
  return {
    canRetry: canRetry !== false,
    removeNodeErrorCount: numberOption(removeNodeErrorCount, 'removeNodeErrorCount', 5, { minimum: 0, integer: true, allowInfinity: true }) || 5,
    restoreNodeTimeout: numberOption(restoreNodeTimeout, 'restoreNodeTimeout', 0, { minimum: 0 }),
    defaultSelector: selector,
  };
}

/**
 * mysql2's `createPoolCluster(config?)` (and mysql2/promise's): a {@link PoolCluster} whose nodes are
 * @pool/mysql pools. Callback and promise forms both work on the object it returns.
 */
export function createPoolCluster(config?: PoolClusterOptions): PoolCluster {
  return new PoolCluster(config);
}
