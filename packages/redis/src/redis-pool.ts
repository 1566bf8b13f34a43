import { inspect } from 'node:util';
import { assertKnownKeys, createPool, describeValue, numberOption, PoolOptionError, type Pool, type PoolEventName, type PoolEvents, type PoolOptions, type PoolStats } from '@pool/core';
import { defaultPoolName, poolSource, type PoolSource, traceCall, type CallTraceContext } from '@pool/core/adapter-kit';
import type { ChainableCommander, Redis, RedisKey } from 'ioredis';
import { serverWaitMs } from './blocking-commands.js';
import { runGuarded } from './call-deadline.js';
import { sendBlmove, sendXread, streamPairs, xreadArgs, type XReadBufferResult, type XReadResult, type XReadStreams } from './commands.js';
import type { RedisProviderConfig } from './config.js';
import { provesNeverSent, withStableCode } from './error-codes.js';
import { checkPoolEvent } from './pool-events.js';
import { clientOptionKeys } from './option-keys.js';
import { redisProvider, type RedisProvider } from './provider.js';
import { isSentinelConfig, sentinelKeys, type RedisSentinelOptions } from './sentinel-config.js';
import { sentinelProvider, type SentinelRedisProvider } from './sentinel-provider.js';
import { readTransactionOptions, watchedTransaction, type ExecResult, type TransactionBody } from './transaction.js';

/** Default of `queryTimeoutMs`: how long a call may hold its connection without a reply. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** With `sentinels`, these keys too (see RedisSentinelOptions). */
const sentinelClientOptionKeys: ReadonlySet<string> = new Set([...clientOptionKeys, ...sentinelKeys]);

/**
 * Options of {@link createRedisPool}: the connection settings plus the pool's. With `sentinels` and
 * `name` (see RedisSentinelOptions) the server is the one the sentinels name, followed across failovers.
 */
export interface RedisPoolConfig extends RedisProviderConfig, Partial<RedisSentinelOptions> {
  /** @pool/core options (max, acquireTimeoutMs, validateAfterIdleMs, ...). `name` defaults to `redis:host:port/db` (with Sentinel `redis:<master name>/db`), numbered when taken. */
  pool?: PoolOptions;
  /**
   * The per-call deadline once a connection is held: past it the call rejects with POOL_TIMEOUT
   * (phase 'query') and its connection is closed, never reused. Blocking commands get their own
   * server timeout plus this margin (BLPOP 0 blocks without a deadline: give it a signal). Work that
   * legitimately runs longer in `withConnection` (a subscriber) passes `queryTimeoutMs: Infinity`.
   * @default 10000
   */
  queryTimeoutMs?: number;
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
  /** This call's deadline once it holds a connection (see {@link RedisPoolConfig.queryTimeoutMs}). */
  queryTimeoutMs?: number;
}

/** Options of {@link RedisPool.transaction}. */
export interface TransactionOptions extends CallOptions {
  /** Keys to WATCH before `fn` runs: EXEC fails (null) if another client changed one. */
  watch?: RedisKey[];
  /** How many more times to run `fn` after a WATCH conflict before giving up with null. @default 0 */
  retries?: number;
}

export type { ExecResult } from './transaction.js';
export type { XReadResult, XReadBufferResult, XReadStreams } from './commands.js';

const callOptionKeys = new Set(['signal', 'timeoutMs', 'queryTimeoutMs']);
const transactionOptionKeys = new Set([...callOptionKeys, 'watch', 'retries']);

function acquireOptions(options: CallOptions): { signal?: AbortSignal; timeoutMs?: number } {
  const picked: { signal?: AbortSignal; timeoutMs?: number } = {};
  if (options.signal !== undefined) picked.signal = options.signal;
  if (options.timeoutMs !== undefined) picked.timeoutMs = options.timeoutMs;
  return picked;
}

function checkSeconds(value: unknown, name: string): number {
  return numberOption(value, name, 0, { minimum: 0 });
}

/** How one call runs: its name for traces and errors, its server-side block, whether a never-sent failure is retried. */
interface CallPlan {
  operation: string;
  /** A blocking command's own server timeout in ms (0 = blocks for ever: no deadline). */
  blockMs?: number;
  /** One-shot commands: retried once on another connection when the failure proves nothing was sent. */
  retryIfNeverSent: boolean;
}

/**
 * A pool of ioredis connections for the work a single multiplexed connection cannot share:
 * blocking commands, WATCH/MULTI/EXEC, pub/sub, and spreading heavy traffic over sockets.
 *
 * Every call goes through `traceCall` (TracingChannel `pool:call`, adapter 'redis', operation = the
 * command name, never its arguments), has a deadline (`queryTimeoutMs`), and every error it raises
 * has a stable `code` (the driver's, a Redis error prefix such as WRONGTYPE, or a POOL_* one).
 */
export class RedisPool implements PoolSource {
  /** The @pool/core pool underneath (events, resize, pause, evictAll, acquire). */
  readonly pool: Pool<Redis>;
  /** The provider the pool creates connections with. */
  readonly provider: RedisProvider;
  /** With `sentinels`: the provider that follows the primary (or replicas) the sentinels name. */
  readonly sentinel: SentinelRedisProvider | undefined;
  /** The default per-call deadline in ms. */
  readonly queryTimeoutMs: number;
  private readonly fixedServer: NonNullable<CallTraceContext['server']> | undefined;

  constructor(config: RedisPoolConfig | string = {}) {
    const input = typeof config === 'string' ? { url: config } : config;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new PoolOptionError('config', `[@pool/redis] expected an options object or a URL string, got ${describeValue(input)}`);
    }
    assertKnownKeys(input, isSentinelConfig(input) ? sentinelClientOptionKeys : clientOptionKeys, 'createRedisPool');
    const { pool: poolOptions, queryTimeoutMs, ...connection } = input;
    if (poolOptions !== undefined && (typeof poolOptions !== 'object' || poolOptions === null || Array.isArray(poolOptions))) {
      throw new PoolOptionError('pool', `[@pool/redis] expected \`pool\` to be an object of @pool/core options, got ${describeValue(poolOptions)}`);
    }
    this.queryTimeoutMs = numberOption(queryTimeoutMs, 'queryTimeoutMs', DEFAULT_QUERY_TIMEOUT_MS, { minimum: 1, allowInfinity: true });
    this.sentinel = isSentinelConfig(connection) ? sentinelProvider(connection) : undefined;
    this.provider = this.sentinel ?? redisProvider(connection);
    const { host, port, db } = this.provider.config;
    const where = this.sentinel === undefined ? `redis:${host}:${port}/${db}` : `redis:${String((connection as { name?: unknown }).name)}/${db}`;
    this.pool = createPool(this.provider, { ...poolOptions, name: defaultPoolName(poolOptions?.name, where) });
    this.sentinel?.attach(this.pool);
    this.fixedServer = this.sentinel === undefined ? { host, port, database: String(db) } : undefined;
  }

  /** Where calls go, for traces: fixed, or with Sentinel the server of the last connection made. */
  private get server(): NonNullable<CallTraceContext['server']> {
    if (this.fixedServer !== undefined) return this.fixedServer;
    const { host, port, db } = this.provider.config;
    return { host, port, database: String(db) };
  }

  /**
   * Runs `fn` with a connection of its own and releases it afterwards (reset first: see the
   * `reset` option). A connection-level error destroys it; READONLY evicts every connection.
   * `queryTimeoutMs` bounds the whole of `fn` (pass Infinity for a long-lived subscriber).
   */
  withConnection<T>(fn: (client: Redis) => Promise<T> | T, options: CallOptions = {}): Promise<T> {
    return this.run({ operation: 'withConnection', retryIfNeverSent: false }, fn, options, callOptionKeys);
  }

  /**
   * One command on a pooled connection: `call('GET', ['key'])`, sent with ioredis's `client.call`
   * (replies decoded as UTF-8 strings). Retried once on another connection when the failure proves
   * it was never sent (its connection was already closed); never when it may have run. A blocking
   * command (BLPOP, BRPOPLPUSH, BZPOPMIN, XREADGROUP ... BLOCK, WAIT, ...) gets its own server
   * timeout plus `queryTimeoutMs` as its deadline, as the helpers do.
   */
  call<T = unknown>(command: string, args: (string | Buffer | number)[] = [], options?: CallOptions): Promise<T> {
    return this.command(false, command, args, options);
  }

  /**
   * {@link call} with ioredis's `client.callBuffer`: every string of the reply is a Buffer holding
   * the bytes the server sent (binary values, bytes that are not valid UTF-8, kept intact).
   */
  callBuffer<T = unknown>(command: string, args: (string | Buffer | number)[] = [], options?: CallOptions): Promise<T> {
    return this.command(true, command, args, options);
  }

  /** `BLPOP keys timeout` on a connection of its own: `[key, value]`, or null after `timeoutSeconds` (0 = forever). */
  blpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BLPOP', timeoutSeconds, (client) => client.blpop(...list, timeoutSeconds), options);
  }

  /** {@link blpop} with ioredis's `blpopBuffer`: `[key, value]` as Buffers. */
  blpopBuffer(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: Buffer, value: Buffer] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BLPOP', timeoutSeconds, (client) => client.blpopBuffer(...list, timeoutSeconds), options);
  }

  /** `BRPOP keys timeout` on a connection of its own: `[key, value]`, or null after `timeoutSeconds` (0 = forever). */
  brpop(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: string, value: string] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BRPOP', timeoutSeconds, (client) => client.brpop(...list, timeoutSeconds), options);
  }

  /** {@link brpop} with ioredis's `brpopBuffer`: `[key, value]` as Buffers. */
  brpopBuffer(keys: RedisKey | RedisKey[], timeoutSeconds: number, options?: CallOptions): Promise<[key: Buffer, value: Buffer] | null> {
    const list = Array.isArray(keys) ? keys : [keys];
    return this.blocking('BRPOP', timeoutSeconds, (client) => client.brpopBuffer(...list, timeoutSeconds), options);
  }

  /** `BLMOVE source destination from to timeout`: the moved element, or null after `timeoutSeconds`. */
  blmove(source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number, options?: CallOptions): Promise<string | null> {
    return this.blocking('BLMOVE', timeoutSeconds, (client) => sendBlmove(client, [source, destination, from, to, timeoutSeconds], false) as Promise<string | null>, options);
  }

  /** {@link blmove} with ioredis's `blmoveBuffer`: the moved element as a Buffer. */
  blmoveBuffer(source: RedisKey, destination: RedisKey, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT', timeoutSeconds: number, options?: CallOptions): Promise<Buffer | null> {
    return this.blocking('BLMOVE', timeoutSeconds, (client) => sendBlmove(client, [source, destination, from, to, timeoutSeconds], true) as Promise<Buffer | null>, options);
  }

  /**
   * `XREAD [COUNT count] BLOCK blockMs STREAMS key... id...` on a connection of its own. `streams`
   * maps each key to the last id seen (`'$'` for only new entries). Null when `blockMs` passes with
   * nothing new (0 blocks forever: give it a signal).
   */
  xread(streams: XReadStreams, read: { blockMs: number; count?: number }, options?: CallOptions): Promise<XReadResult | null> {
    return this.readStreams(streams, read, options, false) as Promise<XReadResult | null>;
  }

  /** {@link xread} with ioredis's `xreadBuffer`: keys, ids, fields and values as Buffers. */
  xreadBuffer(streams: XReadStreams, read: { blockMs: number; count?: number }, options?: CallOptions): Promise<XReadBufferResult | null> {
    return this.readStreams(streams, read, options, true) as Promise<XReadBufferResult | null>;
  }

  /**
   * An optimistic transaction on a connection of its own: WATCH `options.watch`, run `fn` (read with
   * `client`, queue writes on `multi`), then EXEC. Resolves with EXEC's results, or null when a
   * watched key changed and `retries` are used up. If `fn` throws, nothing is executed (the queued
   * commands were never sent) and the connection is unwatched on release.
   */
  transaction(fn: TransactionBody, options: TransactionOptions = {}): Promise<ExecResult | null> {
    let read: { watch: RedisKey[]; retries: number };
    try {
      read = readTransactionOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run({ operation: 'transaction', retryIfNeverSent: false }, (client) => watchedTransaction(client, read.watch, read.retries, fn), options, transactionOptionKeys);
  }

  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.pool as Pool<unknown>];
  }

  /**
   * Listens to the pool's events (@pool/core's: 'create', 'destroy', 'acquire', 'release', 'leak',
   * 'error', 'availability'), as `pool.pool.on` does. `on('error')` hears what fails away from any
   * caller (a connect nobody waited for, a reset); unlike an ioredis client, no listener is needed
   * to keep the process alive. An ioredis client event ('ready', 'end', ...) throws
   * POOL_INVALID_OPTION naming the pool's counterpart: the pool never emits it.
   */
  on<K extends PoolEventName>(event: K, listener: (payload: PoolEvents<Redis>[K]) => void): this {
    checkPoolEvent(event);
    this.pool.on(event, listener);
    return this;
  }

  /** Removes a listener {@link on} added. */
  off<K extends PoolEventName>(event: K, listener: (payload: PoolEvents<Redis>[K]) => void): this {
    this.pool.off(event, listener);
    return this;
  }

  /** Pool sizes and totals (see @pool/core `stats()`). */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Closes the pool: waits for borrowed connections up to `timeoutMs`, then closes every connection. Idempotent. */
  end(options?: { timeoutMs?: number }): Promise<void> {
    const closing = this.pool.close(options);
    return this.sentinel === undefined ? closing : closing.finally(() => this.sentinel?.close());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  /** What `console.log` and `util.inspect` show: the server and the sizes, never a client's options. */
  [inspect.custom](): string {
    return `RedisPool { name: ${JSON.stringify(this.pool.name)}, server: '${this.provider.address}', db: ${this.provider.config.db}, stats: ${inspect(this.pool.stats(), { breakLength: Infinity })} }`;
  }

  /** `call` and `callBuffer`: the command through ioredis's `client.call` / `client.callBuffer`, as given (its case kept, as ioredis keeps it). */
  private command<T>(buffers: boolean, command: string, args: (string | Buffer | number)[], options: CallOptions | undefined): Promise<T> {
    if (typeof command !== 'string' || command === '') return Promise.reject(new PoolOptionError('command', `[@pool/redis] expected a command name, got ${describeValue(command)}`));
    if (!Array.isArray(args)) return Promise.reject(new PoolOptionError('args', `[@pool/redis] expected an array of arguments, got ${describeValue(args)}`));
    const blockMs = serverWaitMs(command, args);
    const send = buffers ? (client: Redis) => client.callBuffer(command, ...args) : (client: Redis) => client.call(command, ...args);
    return this.run({ operation: command.toUpperCase(), ...(blockMs !== undefined ? { blockMs } : {}), retryIfNeverSent: true }, send as (client: Redis) => Promise<T>, options);
  }

  private readStreams(streams: XReadStreams, read: { blockMs: number; count?: number }, options: CallOptions | undefined, buffers: boolean): Promise<unknown> {
    let blockMs: number;
    try {
      if (typeof read !== 'object' || read === null || read.blockMs === undefined) throw new PoolOptionError('blockMs', '[@pool/redis] xread needs `{ blockMs }` (0 blocks for ever)');
      blockMs = numberOption(read.blockMs, 'blockMs', 0, { minimum: 0, integer: true });
      if (read.count !== undefined) numberOption(read.count, 'count', 1, { minimum: 1, integer: true });
    } catch (error) {
      return Promise.reject(error);
    }
    const args = xreadArgs(streamPairs(streams), read);
    return this.run({ operation: 'XREAD', blockMs, retryIfNeverSent: true }, (client) => sendXread(client, args, buffers), options);
  }

  private blocking<T>(operation: string, timeoutSeconds: number, fn: (client: Redis) => Promise<T>, options: CallOptions | undefined): Promise<T> {
    let seconds: number;
    try {
      seconds = checkSeconds(timeoutSeconds, 'timeoutSeconds');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run({ operation, blockMs: seconds * 1000, retryIfNeverSent: true }, fn, options);
  }

  /** The deadline of one call: its own or the pool's, plus a blocking command's server timeout. */
  private deadlineOf(plan: CallPlan, options: CallOptions): number {
    const margin = numberOption(options.queryTimeoutMs, 'queryTimeoutMs', this.queryTimeoutMs, { minimum: 1, allowInfinity: true });
    if (plan.blockMs === undefined) return margin;
    return plan.blockMs === 0 ? Infinity : plan.blockMs + margin;
  }

  private run<T>(plan: CallPlan, fn: (client: Redis) => Promise<T> | T, options: CallOptions = {}, keys: ReadonlySet<string> = callOptionKeys): Promise<T> {
    let deadlineMs: number;
    try {
      if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', `[@pool/redis] expected call options to be an object, got ${describeValue(options)}`);
      assertKnownKeys(options, keys, `@pool/redis ${plan.operation}`);
      deadlineMs = this.deadlineOf(plan, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const context: CallTraceContext = { pool: this.pool.name, adapter: 'redis', operation: plan.operation, server: this.server };
    return traceCall(context, async () => {
      try {
        return await this.attempt(plan, fn, options, deadlineMs);
      } catch (error) {
        if (!plan.retryIfNeverSent || !provesNeverSent(error) || options.signal?.aborted === true) throw error;
        // the command never left: its connection was gone before the write. Once more, on another one.
        return await this.attempt(plan, fn, options, deadlineMs);
      }
    });
  }

  private async attempt<T>(plan: CallPlan, fn: (client: Redis) => Promise<T> | T, options: CallOptions, deadlineMs: number): Promise<T> {
    try {
      return await this.pool.use((client, lease) => runGuarded(client, lease, {
        operation: plan.operation, deadlineMs, signal: options.signal, pool: this.pool.name, checkWritable: plan.retryIfNeverSent, fn,
      }), acquireOptions(options));
    } catch (error) {
      throw withStableCode(error);
    }
  }
}

/**
 * Creates a {@link RedisPool}: `createRedisPool({ url: 'redis://127.0.0.1:6379', pool: { max: 20 } })`.
 * Throws POOL_INVALID_OPTION for a bad option.
 */
export function createRedisPool(config: RedisPoolConfig | string = {}): RedisPool {
  return new RedisPool(config);
}
