import { PoolOptionError, type PoolLogger, type PoolOptions } from '@pool/core';
import { defaultPoolName, targetName, type TargetFields } from '@pool/core/adapter-kit';
import type { PgProviderConfig } from './config.js';
import { checkConnectionString, checkPgOptions, poolKeySet } from './options.js';

/**
 * Options of {@link createPgPool}: pg.Pool's options under pg.Pool's names and defaults (the pg
 * `ClientConfig` keys, `max`, `idleTimeoutMillis`, `allowExitOnIdle`, `verify`, `log`...), @pool/pg's
 * additions, and `pool` for any @pool/core option (which wins over the pg.Pool-style field it overlaps).
 */
export interface PgPoolConfig extends PgProviderConfig {
  /** pg.Pool's `max`: the most clients. @default 10 */
  max?: number;
  /** pg-pool's alias of `max`. */
  poolSize?: number;
  /** pg.Pool's `min`: clients kept open (and, unlike pg.Pool, opened at start). @default 0 */
  min?: number;
  /** pg.Pool's `idleTimeoutMillis`: idle clients above `min` close after this; 0 or null = never. @default 10000 */
  idleTimeoutMillis?: number | null;
  /**
   * pg.Pool's `connectionTimeoutMillis`: how long `connect()`/`query()` wait for a client, queue and
   * connect included (acquireTimeoutMs); 0 = forever. Also given to each pg.Client as its connect timeout.
   * @default 0 in pg.Pool; here @pool/core's acquireTimeoutMs (30000) when unset
   */
  connectionTimeoutMillis?: number;
  /** pg.Pool's `maxUses`: a client is closed after this many checkouts. */
  maxUses?: number;
  /** pg.Pool's `maxLifetimeSeconds`: clients are rotated after this age; 0 = never. */
  maxLifetimeSeconds?: number;
  /** pg.Pool's `Promise`: only the native Promise is accepted (a custom library is refused). */
  Promise?: PromiseConstructorLike;
  /** pg.Pool's `log(message, ...details)`: the pool's lifecycle log lines go to it. */
  log?: (...args: unknown[]) => void;
  /** A deadline for each `pool.query` / `transaction` call (POOL_TIMEOUT phase 'query'; the connection is destroyed). Off (0) by default, as in pg.Pool. */
  queryTimeoutMs?: number;
  /** A call with no reply for this long triggers a liveness check of the server over another connection; 0 = off. */
  livenessCheckAfterMs?: number;
  /** Any @pool/core option (acquireTimeoutMs, validateAfterIdleMs, keepaliveIntervalMs, maxWaiting, name, logger...). */
  pool?: PoolOptions;
}

/** The ready-made client's own settings. */
export interface CallSettings {
  /** pg.Pool's `log` option, if given. */
  log: ((...args: unknown[]) => void) | undefined;
  queryTimeoutMs: number;
  livenessCheckAfterMs: number | undefined;
}

function number(source: Record<string, unknown>, key: string): number | undefined {
  const value = source[key];
  return value === undefined || value === null ? undefined : (value as number);
}

/** pg.Pool's `log(message, ...)` as a pino-shaped logger. */
function loggerOf(log: (...args: unknown[]) => void): PoolLogger {
  const line = (object: Record<string, unknown>, message: string) => log(message, object);
  return { debug: line, info: line, warn: line, error: line };
}

/** Splits a {@link PgPoolConfig} into the provider config, the @pool/core options and the call settings. */
export function splitPoolConfig(config: PgPoolConfig | string | undefined): { provider: PgProviderConfig; pool: PoolOptions; calls: CallSettings; idleTimeoutNull: boolean } {
  if (typeof config === 'string') checkConnectionString(config, 'config');
  const source = (typeof config === 'string' ? { connectionString: config } : (config ?? {})) as Record<string, unknown>;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new PoolOptionError('config', 'Expected a connection string or a config object');
  }
  checkPgOptions(source, 'createPgPool');
  // pg.Pool's defaults, under pg.Pool's names
  const max = number(source, 'max') || number(source, 'poolSize') || 10;
  // null is pg.Pool's "never" (its types allow it), as 0 is
  const idleTimeoutNull = source.idleTimeoutMillis === null;
  const idle = idleTimeoutNull ? 0 : (number(source, 'idleTimeoutMillis') ?? 10_000);
  // failFast.untilConnected: while no connect has ever succeeded, a connect error reaches the callers
  // at once, as in pg.Pool (after that, transient errors are retried within the callers' deadlines)
  let pool: PoolOptions = { max, idleTimeoutMs: idle === 0 ? Infinity : idle, failFast: { untilConnected: true } };
  const min = number(source, 'min');
  if (min !== undefined) pool.min = min;
  const wait = number(source, 'connectionTimeoutMillis');
  if (wait !== undefined) pool.acquireTimeoutMs = wait === 0 ? Infinity : wait;
  const uses = number(source, 'maxUses');
  if (uses !== undefined) pool.maxUses = uses === 0 ? Infinity : uses;
  const lifetime = number(source, 'maxLifetimeSeconds');
  // unset or 0: never, as in pg.Pool (not @pool/core's 30 min default)
  pool.maxLifetimeMs = lifetime === undefined || lifetime === 0 ? Infinity : lifetime * 1000;
  if (typeof source.log === 'function') pool.logger = loggerOf(source.log as (...args: unknown[]) => void);
  if (source.pool !== undefined) {
    // spread, not Object.assign: an own `__proto__` key stays a key, which @pool/core then rejects
    pool = { ...pool, ...(source.pool as PoolOptions) };
  }
  // pg.Pool opens a connection for each waiting caller, up to max, and so does this pool while the
  // server answers (after a failed connect, @pool/core probes one at a time, paced)
  if ((source.pool as PoolOptions | undefined)?.maxConcurrentCreates === undefined) pool.maxConcurrentCreates = pool.max;
  pool = { ...pool, name: defaultPoolName(pool.name, targetName('pg', source.connectionString as string | undefined, source as TargetFields, { host: process.env.PGHOST || 'localhost', port: process.env.PGPORT || 5432, database: process.env.PGDATABASE || undefined })) };
  const calls: CallSettings = {
    log: source.log as CallSettings['log'],
    queryTimeoutMs: number(source, 'queryTimeoutMs') ?? 0,
    livenessCheckAfterMs: number(source, 'livenessCheckAfterMs'),
  };
  const provider: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (poolKeySet.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(source, key) as PropertyDescriptor;
    Object.defineProperty(provider, key, { ...descriptor, configurable: true });
  }
  return { provider: provider as PgProviderConfig, pool, calls, idleTimeoutNull };
}
