import { createPool, defaultPoolName, poolSource, unwatchAbort, watchAbort, type Pool, type PoolSource, type PoolOptions, type PoolStats } from '@pool/core';
import type { ChainableCommander, Redis, RedisKey } from 'ioredis';
import { closeNow } from './close.js';
import type { RedisProviderConfig } from './config.js';
import { redisProvider, type RedisProvider } from './provider.js';

/** Options of {@link createRedisPool}: the connection settings plus the pool's. */
export interface RedisPoolConfig extends RedisProviderConfig {
  /** @pool/core options (max, acquireTimeoutMs, validateAfterIdleMs, ...). `name` defaults to `redis:host:port/db` (numbered when taken). */
  pool?: PoolOptions;
}

/** Per-call options of the helpers. */
export interface CallOptions {
  /**
   * Aborting it rejects the call with POOL_ABORTED at once. A call still waiting for a connection
   * leaves the queue; a call holding one closes that connection (a blocked or mid-reply connection
   * can never be handed to another caller) and the pool creates a replacement on demand.
   */
  signal?: AbortSignal;
  /** How long to wait for a connection; defaults to the pool's `acquireTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of {@link RedisPool.transaction}. */
export interface TransactionOptions extends CallOptions {
  /** Keys to WATCH before `fn` runs: EXEC fails (null) if another client changed one. */
  watch?: RedisKey[];
  /** How many more times to run `fn` after a WATCH conflict before giving up with null. @default 0 */
  retries?: number;
}

/** What EXEC returned: one `[error, reply]` per queued command. */
export type ExecResult = [error: Error | null, result: unknown][];

/** `XREAD` reply: per stream, its entries as `[id, [field, value, ...]]`. */
export type XReadResult = [key: string, entries: [id: string, fields: string[]][]][];

function acquireOptions(options: CallOptions): CallOptions {
  const picked: CallOptions = {};
  if (options.signal !== undefined) picked.signal = options.signal;
  if (options.timeoutMs !== undefined) picked.timeoutMs = options.timeoutMs;
  return picked;
}

/**
 * A pool of ioredis connections for the work a single multiplexed connection cannot share:
 * blocking commands, WATCH/MULTI/EXEC, pub/sub, and spreading heavy traffic over sockets.
 */
export class RedisPool implements PoolSource {
  /** The @pool/core pool underneath (events, resize, pause, evictAll, acquire). */
  readonly pool: Pool<Redis>;
  /** The provider the pool creates connections with. */
  readonly provider: RedisProvider;

  constructor(config: RedisPoolConfig | string = {}) {
    const { pool: poolOptions, ...connection } = typeof config === 'string' ? { url: config } : config;
    this.provider = redisProvider(connection);
    const { host, port, db } = this.provider.config;
    this.pool = createPool(this.provider, { ...poolOptions, name: defaultPoolName(poolOptions?.name, `redis:${host}:${port}/${db}`) });
  }

  /**
   * Runs `fn` with a connection of its own and releases it afterwards (reset first: see the
   * `reset` option). A connection-level error destroys it; READONLY evicts every connection.
   */
  withConnection<T>(fn: (client: Redis) => Promise<T> | T, options: CallOptions = {}): Promise<T> {
    const { signal } = options;
    if (signal === undefined) return this.pool.use((client) => fn(client), acquireOptions(options));
    return this.pool.use((client) => {
      // the borrower gave up: close the socket now, so a blocked command or a reply in flight dies with it
      const onAbort = () => closeNow(client);
      if (signal.aborted) onAbort();
      else watchAbort(signal, onAbort); // one listener per shared signal, however many calls
      let work: Promise<T>;
      try {
        work = Promise.resolve(fn(client));
      } catch (error) {
        work = Promise.reject(error);
      }
      return work.finally(() => unwatchAbort(signal, onAbort));
    }, acquireOptions(options));
  }

  /** `BLPOP keys timeout` on a connection of its own: `[key, value]`, or null after `timeoutSeconds` (0 = forever). */
  blpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.withConnection((client) => client.blpop(...list, timeoutSeconds), options);
  }

  /** `BRPOP keys timeout` on a connection of its own: `[key, value]`, or null after `timeoutSeconds` (0 = forever). */
  brpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.withConnection((client) => client.brpop(...list, timeoutSeconds), options);
  }

  /** `BLMOVE source destination from to timeout`: the moved element, or null after `timeoutSeconds`. */
  blmove(source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number, options?: CallOptions): Promise<string | null> {
    return this.withConnection((client) => client.call('BLMOVE', source, destination, from, to, String(timeoutSeconds)) as Promise<string | null>, options);
  }

  /**
   * `XREAD [COUNT count] BLOCK blockMs STREAMS key... id...` on a connection of its own. `streams`
   * maps each key to the last id seen (`'$'` for only new entries). Null when `blockMs` passes with
   * nothing new (0 blocks forever: give it a signal).
   */
  xread(streams: Record<string, string> | [key: RedisKey, id: string][], read: { blockMs: number; count?: number }, options?: CallOptions): Promise<XReadResult | null> {
    const pairs = Array.isArray(streams) ? streams : Object.entries(streams);
    const args: (string | Buffer | number)[] = [];
    if (read.count !== undefined) args.push('COUNT', read.count);
    args.push('BLOCK', read.blockMs, 'STREAMS', ...pairs.map(([key]) => key), ...pairs.map(([, id]) => id));
    return this.withConnection((client) => client.call('XREAD', ...args) as Promise<XReadResult | null>, options);
  }

  /**
   * An optimistic transaction on a connection of its own: WATCH `options.watch`, run `fn` (read with
   * `client`, queue writes on `multi`), then EXEC. Resolves with EXEC's results, or null when a
   * watched key changed and `retries` are used up. If `fn` throws, nothing is executed (the queued
   * commands were never sent) and the connection is unwatched on release.
   */
  transaction(fn: (multi: ChainableCommander, client: Redis) => void | Promise<void>, options: TransactionOptions = {}): Promise<ExecResult | null> {
    const { watch = [], retries = 0 } = options;
    if (!Number.isInteger(retries) || retries < 0) return Promise.reject(new RangeError(`[@pool/redis] transaction retries must be an integer >= 0, got ${String(retries)}`));
    return this.withConnection(async (client) => {
      for (let attempt = 0; ; attempt++) {
        if (watch.length > 0) await client.watch(...watch);
        const multi = client.multi();
        await fn(multi, client);
        const results = (await multi.exec()) as ExecResult | null;
        if (results !== null || attempt >= retries) return results;
      }
    }, acquireOptions(options));
  }

  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.pool as Pool<unknown>];
  }

  /** Pool sizes and totals (see @pool/core `stats()`). */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Closes the pool: waits for borrowed connections up to `timeoutMs`, then closes every connection. Idempotent. */
  end(options?: { timeoutMs?: number }): Promise<void> {
    return this.pool.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}

/**
 * Creates a {@link RedisPool}: `createRedisPool({ url: 'redis://127.0.0.1:6379', pool: { max: 20 } })`.
 * Throws POOL_INVALID_OPTION for a bad option.
 */
export function createRedisPool(config: RedisPoolConfig | string = {}): RedisPool {
  return new RedisPool(config);
}
