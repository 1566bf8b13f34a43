import { PoolError, numberOption, type Pool, type PoolEventName, type PoolEvents, type PoolTotals } from '@pool/core';
import { poolSource, traceCall, type PoolSource } from '@pool/core/adapter-kit';
import type { ChainableCommander, Redis, RedisKey, RedisOptions } from 'ioredis';
import { resolveClusterConfig, type RedisClusterPoolConfig, type ResolvedClusterConfig } from './cluster-config.js';
import type { Redirect } from './cluster-redirect.js';
import { fetchSlotMap, type SlotMap } from './cluster-slots.js';
import { addTotals, emptyTotals, sumStats, type ClusterPoolStats } from './cluster-stats.js';
import { resolveConfig } from './config.js';
import { checkPoolEvent } from './pool-events.js';
import { addressKey, type NodeAddress } from './node-address.js';
import { sendBlmove, sendXread, streamPairs, xreadArgs, type XReadBufferResult, type XReadResult, type XReadStreams } from './commands.js';
import { RedisPool, type CallOptions } from './redis-pool.js';
import { readTransactionOptions, watchedTransaction, type ExecResult, type TransactionBody } from './transaction.js';
import { blockingPlan, type Plan } from './cluster-call.js';
import { routeCall, type ClusterRouter, type Work } from './cluster-route.js';
import { slotOfKey, slotOfKeys } from './cluster-keys.js';
import { keySlot, SLOT_COUNT } from './slot.js';
import { RedisTopologyError } from './topology-errors.js';

/** Options of {@link RedisClusterPool.transaction}. */
export interface ClusterTransactionOptions extends CallOptions {
  /** Keys to WATCH before `fn` runs (they must share the slot of `keys` too). */
  watch?: RedisKey[];
  /** How many more times to run `fn` after a WATCH conflict before giving up with null. @default 0 */
  retries?: number;
}

type AnyListener = (payload: never) => void;

/**
 * Dedicated connections on a Redis Cluster: one @pool/core pool per primary (learnt from
 * `CLUSTER SLOTS`), and each call lent a connection on the primary that owns its keys' slot.
 *
 * - Keys of one call must share a slot (use a hash tag: `{user:1}:a`, `{user:1}:b`); otherwise the
 *   call fails before anything is sent with REDIS_CROSS_SLOT, whose `slots` names them.
 * - A `MOVED` reply updates the slot's owner at once, refreshes the whole map in the background, and
 *   the ready-made calls (blpop, brpop, blmove, xread, transaction) run once more on the new owner
 *   (nothing ran on the old one). `ASK` runs the call once on the importing node after `ASKING`. A
 *   blocked call the server let go because its role changed (`UNBLOCKED`, during a failover) is
 *   retried after a refresh. `withConnection(key, fn)` never reruns `fn` (it may have written
 *   before the redirect): it refreshes the map and passes the error on.
 * - A node that fails (refused, reset) triggers a refresh; a node that is no longer a primary
 *   (failover, removed) has its pool closed, and callers queued on it move to the new owner.
 * - `stats()` sums the node pools (`nodes` has each); `pools` are the node pools for @pool/metrics,
 *   and `on`/`off` forward pool events of every node pool, present and future.
 */
export class RedisClusterPool implements PoolSource {
  readonly name: string;
  private readonly config: ResolvedClusterConfig;
  private readonly topologyOptions: RedisOptions;
  private readonly secrets: readonly string[];
  /** ioredis's `keyPrefix`: every key goes out with it, so routing hashes it too. */
  private readonly keyPrefix: string;
  private owners: (string | undefined)[] = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  private readonly nodePools = new Map<string, RedisPool>();
  private readonly addresses = new Map<string, NodeAddress>();
  private readonly listeners: [PoolEventName, AnyListener][] = [];
  private readonly retiredTotals: PoolTotals = emptyTotals();
  private readonly retiring = new Set<Promise<void>>();
  private loaded: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastRefreshAt = 0;
  private closed = false;
  private readonly router: ClusterRouter;

  constructor(config: RedisClusterPoolConfig) {
    this.config = resolveClusterConfig(config);
    this.name = this.config.name;
    // checks the connection options once, and gives the short-lived CLUSTER SLOTS connections the same auth and TLS
    const seed = this.config.seeds[0] as NodeAddress;
    const resolved = resolveConfig({ ...this.config.connection, host: seed.host, port: seed.port });
    this.topologyOptions = resolved.options;
    this.secrets = resolved.secrets;
    this.keyPrefix = typeof resolved.options.keyPrefix === 'string' ? resolved.options.keyPrefix : '';
    const self = this;
    this.router = {
      get closed() {
        return self.closed;
      },
      queryTimeoutMs: this.config.queryTimeoutMs,
      acquireTimeoutMs: this.config.poolOptions.acquireTimeoutMs ?? 30_000,
      ownerOf: (slot) => this.owners[slot],
      addressOf: (key) => this.addresses.get(key),
      hasNode: (key) => this.nodePools.has(key),
      node: (key, address) => this.node(key, address),
      load: () => (this.loaded === undefined ? this.ready() : this.refresh()),
      refresh: () => this.refresh(),
      refreshSoon: () => this.refreshSoon(),
      moved: (redirect) => this.moved(redirect),
    };
  }

  /** Resolves once the slot map is loaded (calls load it on demand; this surfaces a bad seed list early). */
  ready(): Promise<void> {
    this.loaded ??= this.refresh().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  /** Reloads the slot map from the primaries, then the seeds. Concurrent calls share one refresh. */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) return this.refreshing;
    this.lastRefreshAt = performance.now();
    const candidates = new Map<string, NodeAddress>(this.addresses);
    for (const seed of this.config.seeds) candidates.set(addressKey(seed), seed);
    this.refreshing = fetchSlotMap([...candidates.values()], this.topologyOptions, this.config.refreshTimeoutMs, this.secrets)
      .then((map) => this.apply(map))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** The slot of a key (CRC16 of its hash tag or whole name, mod 16384), `redisOptions.keyPrefix` included as ioredis sends it. */
  slotOf(key: RedisKey): number {
    return slotOfKey(key, this.keyPrefix);
  }

  /** The node pools, one per primary, by `host:port` (for @pool/metrics: `exporter.add(pool)` each). */
  get pools(): Pool<Redis>[] {
    return [...this.nodePools.values()].map((node) => node.pool);
  }

  /** The node pools as they are now, for @pool/metrics (`exporter.add(cluster)`; a node added later needs its own `add`). */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return this.pools as Pool<unknown>[];
  }

  /** The `RedisPool` of the primary that owns `key`'s slot now (undefined before the map is loaded). */
  nodeFor(key: RedisKey): RedisPool | undefined {
    const owner = this.owners[this.slotOf(key)];
    return owner === undefined ? undefined : this.nodePools.get(owner);
  }

  /** Forwards an event of every node pool (present and future) to `listener`; an ioredis client event ('ready', ...) throws POOL_INVALID_OPTION, as `RedisPool.on` does. */
  on<K extends PoolEventName>(event: K, listener: (payload: PoolEvents<Redis>[K]) => void): this {
    checkPoolEvent(event);
    this.listeners.push([event, listener as AnyListener]);
    for (const node of this.nodePools.values()) node.pool.on(event, listener as never);
    return this;
  }

  off<K extends PoolEventName>(event: K, listener: (payload: PoolEvents<Redis>[K]) => void): this {
    const index = this.listeners.findIndex(([name, fn]) => name === event && fn === (listener as AnyListener));
    if (index !== -1) this.listeners.splice(index, 1);
    for (const node of this.nodePools.values()) node.pool.off(event, listener as never);
    return this;
  }

  /**
   * Runs `fn` with a dedicated connection on the primary that owns the slot of `keys` (one key or
   * several in one slot). Not rerun on MOVED/ASK (see the class notes); the map is refreshed.
   */
  withConnection<T>(keys: RedisKey | RedisKey[], fn: (client: Redis) => Promise<T> | T, options: CallOptions = {}): Promise<T> {
    return this.run('withConnection', keys, (client) => Promise.resolve(fn(client)), options, () => ({ retryable: false }));
  }

  /** `BLPOP keys timeout` on the owner of the keys' slot: `[key, value]`, or null after `timeoutSeconds`. */
  blpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options: CallOptions = {}): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BLPOP', list, timeoutSeconds, (client) => client.blpop(...list, timeoutSeconds), options);
  }

  /** {@link blpop} with ioredis's `blpopBuffer`: `[key, value]` as Buffers. */
  blpopBuffer(keys: RedisKey | RedisKey[], timeoutSeconds: number, options: CallOptions = {}): Promise<[key: Buffer, value: Buffer] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BLPOP', list, timeoutSeconds, (client) => client.blpopBuffer(...list, timeoutSeconds), options);
  }

  /** `BRPOP keys timeout` on the owner of the keys' slot. */
  brpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options: CallOptions = {}): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BRPOP', list, timeoutSeconds, (client) => client.brpop(...list, timeoutSeconds), options);
  }

  /** {@link brpop} with ioredis's `brpopBuffer`: `[key, value]` as Buffers. */
  brpopBuffer(keys: RedisKey | RedisKey[], timeoutSeconds: number, options: CallOptions = {}): Promise<[key: Buffer, value: Buffer] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BRPOP', list, timeoutSeconds, (client) => client.brpopBuffer(...list, timeoutSeconds), options);
  }

  /** `BLMOVE source destination from to timeout` (both keys in one slot). */
  blmove(source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number, options: CallOptions = {}): Promise<string | null> {
    return this.blocking('BLMOVE', [source, destination], timeoutSeconds, (client) => sendBlmove(client, [source, destination, from, to, timeoutSeconds], false) as Promise<string | null>, options);
  }

  /** {@link blmove} with ioredis's `blmoveBuffer`: the moved element as a Buffer. */
  blmoveBuffer(source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number, options: CallOptions = {}): Promise<Buffer | null> {
    return this.blocking('BLMOVE', [source, destination], timeoutSeconds, (client) => sendBlmove(client, [source, destination, from, to, timeoutSeconds], true) as Promise<Buffer | null>, options);
  }

  /** `XREAD [COUNT n] BLOCK ms STREAMS key... id...` (the streams in one slot). */
  xread(streams: XReadStreams, read: { blockMs: number; count?: number }, options: CallOptions = {}): Promise<XReadResult | null> {
    return this.readStreams(streams, read, options, false) as Promise<XReadResult | null>;
  }

  /** {@link xread} with ioredis's `xreadBuffer`: keys, ids, fields and values as Buffers. */
  xreadBuffer(streams: XReadStreams, read: { blockMs: number; count?: number }, options: CallOptions = {}): Promise<XReadBufferResult | null> {
    return this.readStreams(streams, read, options, true) as Promise<XReadBufferResult | null>;
  }

  /**
   * WATCH `options.watch`, run `fn` (queue commands on `multi`), EXEC, on the owner of the slot of
   * `keys` (every key the transaction touches). EXEC's results, or null after a WATCH conflict
   * with `retries` used up. A MOVED before EXEC (nothing ran) is followed once.
   */
  transaction(keys: RedisKey | RedisKey[], fn: TransactionBody, options: ClusterTransactionOptions = {}): Promise<ExecResult | null> {
    let read: { watch: RedisKey[]; retries: number };
    try {
      read = readTransactionOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { watch: _, retries: __, ...call } = options;
    const all = [...(Array.isArray(keys) ? keys : [keys]), ...read.watch];
    return this.run('MULTI', all, async (client, asking) => {
      // ASKING would have to precede each queued command inside MULTI: wait for the migration instead
      if (asking) throw Object.assign(new Error('TRYAGAIN slot is being migrated'), { name: 'ReplyError' });
      return watchedTransaction(client, read.watch, read.retries, fn);
    }, call, () => ({ retryable: true }));
  }

  /** Sums of the node pools' stats, and each one's in `nodes`. */
  stats(): ClusterPoolStats {
    const nodes = new Map<string, ReturnType<RedisPool['stats']>>();
    for (const [key, node] of this.nodePools) nodes.set(key, node.stats());
    return sumStats(this.name, nodes, this.retiredTotals, this.closed);
  }

  /** Closes every node pool (each waits for its borrowed connections up to `timeoutMs`). Idempotent. */
  async end(options?: { timeoutMs?: number }): Promise<void> {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    const pools = [...this.nodePools.values()];
    this.nodePools.clear();
    await Promise.all([...pools.map((node) => node.end(options)), ...this.retiring]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  // ------------------------------------------------------------------ routing

  private blocking<T>(operation: string, keys: RedisKey[], timeoutSeconds: number, command: (client: Redis) => Promise<T>, options: CallOptions): Promise<T> {
    return this.run(operation, keys, (client, asking) => this.asked(client, asking, () => command(client)), options, () => blockingPlan(timeoutSeconds, 'timeoutSeconds'));
  }

  private readStreams(streams: XReadStreams, read: { blockMs: number; count?: number }, options: CallOptions, buffers: boolean): Promise<unknown> {
    const pairs = streamPairs(streams);
    const plan = () => {
      const checked = blockingPlan(read?.blockMs, 'blockMs');
      if (read.count !== undefined) numberOption(read.count, 'count', 1, { minimum: 1, integer: true });
      return checked;
    };
    return this.run('XREAD', pairs.map(([key]) => key), (client, asking) => this.asked(client, asking, () => sendXread(client, xreadArgs(pairs, read), buffers)), options, plan);
  }

  private asked<T>(client: Redis, asking: boolean, command: () => Promise<T>): Promise<T> {
    if (!asking) return command();
    // ioredis's own `asking()`, as ioredis's Cluster sends it (an error names 'asking')
    return client.asking().then(command);
  }

  private run<T>(operation: string, keys: RedisKey | RedisKey[], work: Work<T>, options: CallOptions, planOf: () => Plan): Promise<T> {
    let slot: number;
    let plan: Plan;
    try {
      if (this.closed) throw new PoolError('POOL_CLOSED', 'the cluster pool is closed', { pool: this.name });
      plan = planOf();
      slot = slotOfKeys(keys, this.keyPrefix);
    } catch (error) {
      return Promise.reject(error);
    }
    const owner = this.owners[slot];
    const server = owner === undefined ? undefined : this.addresses.get(owner);
    return traceCall({ pool: this.name, adapter: 'redis', operation, statement: operation, ...(server !== undefined ? { server: { host: server.host, port: server.port } } : {}) }, () => routeCall(this.router, slot, work, options, plan));
  }

  private moved(redirect: Redirect): void {
    this.owners[redirect.slot] = redirect.key;
    this.node(redirect.key, redirect.address);
    this.refreshSoon();
  }

  /**
   * A refresh in the background, at most one per 250 ms: a node that fails makes every caller on it
   * fail, and its pool's creates fail again at each backoff round, until the cluster has promoted a
   * replica; the map follows within 250 ms of that.
   */
  private refreshSoon(): void {
    if (this.closed || this.refreshTimer !== undefined) return;
    const wait = Math.max(0, this.lastRefreshAt + 250 - performance.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh().catch(() => undefined);
    }, wait);
    this.refreshTimer.unref?.();
  }

  /** The pool of `key` (`host:port`), created on first use. */
  private node(key: string, address?: NodeAddress): RedisPool {
    let node = this.nodePools.get(key);
    if (node !== undefined) return node;
    const where = address ?? this.addresses.get(key);
    if (where === undefined) throw new RedisTopologyError('REDIS_SLOT_UNCOVERED', `unknown cluster node ${key}`);
    this.addresses.set(key, where);
    node = new RedisPool({ ...this.config.connection, host: where.host, port: where.port, pool: { ...this.config.poolOptions, name: `${this.name} ${key}` } });
    for (const [event, listener] of this.listeners) node.pool.on(event, listener as never);
    // creates failing away from any caller (the node is down): look for a new primary of its slots
    node.pool.on('error', (error) => {
      if (error.code === 'POOL_CREATE_FAILED' || error.code === 'POOL_TIMEOUT') this.refreshSoon();
    });
    this.nodePools.set(key, node);
    return node;
  }

  private apply(map: SlotMap): void {
    if (this.closed) return;
    this.owners = map.owners;
    for (const [key, address] of map.primaries) {
      this.addresses.set(key, address);
      this.node(key, address);
    }
    for (const [key, node] of this.nodePools) if (!map.primaries.has(key)) this.retire(key, node);
  }

  /** A node that is no longer a primary: its queued callers get POOL_CLOSED (and move on), its connections close. */
  private retire(key: string, node: RedisPool): void {
    this.nodePools.delete(key);
    const closing = node.end({ timeoutMs: 5_000 }).catch(() => undefined).then(() => {
      addTotals(this.retiredTotals, node.stats().totals);
      this.retiring.delete(closing);
    });
    this.retiring.add(closing);
  }
}

/**
 * Creates a {@link RedisClusterPool}: `createRedisClusterPool({ nodes: ['127.0.0.1:7000'], pool: { max: 10 } })`.
 * Throws POOL_INVALID_OPTION for a bad option; the slot map loads on the first call (or `ready()`).
 */
export function createRedisClusterPool(config: RedisClusterPoolConfig): RedisClusterPool {
  return new RedisClusterPool(config);
}
