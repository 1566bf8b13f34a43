import { assertKnownKeys, describeValue, numberOption, PoolOptionError, resolveOptions, type PoolOptions } from '@pool/core';
import { defaultPoolName, livenessDefaults, targetName } from '@pool/core/adapter-kit';
import type { ConnectionOptions } from 'mysql2';
import { checkProviderConfig, checkUrl, driverKeys, type MysqlProviderConfig } from './config.js';
import { numbersFromStrings } from './numeric-strings.js';
import { poolOptionsFromUrl } from './url-pool-options.js';

/** mysql2's pool options (`createPool`), all honoured. */
export interface Mysql2PoolOptions {
  /** Most connections at once (mysql2's default 10; 0 = no limit). Maps to the core pool's `max`. */
  connectionLimit?: number;
  /** false: a caller finding every connection busy fails at once ('No connections available.') instead of waiting. @default true */
  waitForConnections?: boolean;
  /** Most callers waiting (0 = no limit, mysql2's default); beyond it 'Queue limit reached.'. */
  queueLimit?: number;
  /** Below `connectionLimit`, idle connections are closed after `idleTimeout` (mysql2 keeps them all by default). */
  maxIdle?: number;
  /** How long an idle connection is kept when `maxIdle < connectionLimit`. @default 60000 */
  idleTimeout?: number;
  /** mysql2's name for `resetSession: true` (COM_RESET_CONNECTION on release). */
  resetOnRelease?: boolean;
}

/** @pool's own options of the drop-in, beside mysql2's. */
export interface MysqlPoolExtras {
  /** @pool/core options (acquireTimeoutMs, validateAfterIdleMs, leakDetectionMs...); these win over the mapped mysql2 ones. */
  pool?: PoolOptions;
  /** A per-call deadline for every `query`/`execute` of the pool (off by default, as in mysql2). @default Infinity */
  queryTimeoutMs?: number;
  /** A call with no reply for this long makes the pool check the server with COM_PING over another connection (the frozen-server watchdog); `0` or `Infinity` turns it off. @default 3000 */
  livenessCheckAfterMs?: number;
}

export type MysqlPoolConfig = MysqlProviderConfig & Mysql2PoolOptions & MysqlPoolExtras;

const poolKeys = ['connectionLimit', 'waitForConnections', 'queueLimit', 'maxIdle', 'idleTimeout', 'resetOnRelease'];
const extraKeys = ['pool', 'queryTimeoutMs', 'livenessCheckAfterMs', 'primary', 'replicas'];
/** Top-level keys users bring from other pools: answered with where the setting lives here. */
const hints: Record<string, string> = {
  max: 'connectionLimit` (or `pool.max',
  min: 'pool.min',
  acquireTimeout: 'pool.acquireTimeoutMs',
  acquireTimeoutMs: 'pool.acquireTimeoutMs',
  Promise: 'nothing: @pool/mysql uses native promises; remove `Promise',
};

/** The checked, split config of a drop-in pool. */
export interface ReadConfig {
  connection: MysqlProviderConfig;
  core: PoolOptions;
  waitForConnections: boolean;
  queryTimeoutMs: number;
  livenessCheckAfterMs: number;
  gracefulEnd: boolean;
  trace: boolean;
  /** mysql2's pool options with mysql2's defaults, as `pool.config` shows them. */
  mysql2: Mysql2PoolValues;
}

/** mysql2's pool options after its defaults (mysql2's `PoolConfig` without `connectionConfig`). */
export interface Mysql2PoolValues {
  connectionLimit: number;
  waitForConnections: boolean;
  queueLimit: number;
  maxIdle: number;
  idleTimeout: number;
  resetOnRelease: boolean;
}

/** Checks every option (POOL_INVALID_OPTION naming the key) and maps mysql2's pool options onto @pool/core's. */
export function readPoolConfig(config: MysqlPoolConfig | string, allowed: readonly string[] = []): ReadConfig {
  if (typeof config === 'string') {
    checkUrl(config, 'url');
    config = { uri: config };
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PoolOptionError('config', `Expected a config object or a mysql:// URL, got ${describeValue(config)}`);
  }
  config = numbersFromStrings({ ...config, ...poolOptionsFromUrl(config as Record<string, unknown>) });
  const source = config as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (hints[key] !== undefined && !allowed.includes(key)) throw new PoolOptionError(key, `Unknown option \`${key}\` for @pool/mysql (did you mean \`${hints[key]}\`?)`);
  }
  checkProviderConfig(source, new Set([...poolKeys, ...extraKeys, ...allowed]));
  const { connectionLimit, waitForConnections, queueLimit, maxIdle, idleTimeout, resetOnRelease, pool, queryTimeoutMs, livenessCheckAfterMs, ...connection } = config;
  for (const [key, value] of [['waitForConnections', waitForConnections], ['resetOnRelease', resetOnRelease]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw new PoolOptionError(key, `Expected \`${key}\` to be a boolean, got ${describeValue(value)}`);
  }
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || Array.isArray(pool))) {
    throw new PoolOptionError('pool', `Expected \`pool\` to be an object of @pool/core options, got ${describeValue(pool)}`);
  }
  const limit = numberOption(connectionLimit, 'connectionLimit', 10, { minimum: 0, integer: true });
  const max = limit === 0 ? 2 ** 31 - 1 : limit;
  const idleMax = numberOption(maxIdle, 'maxIdle', max, { minimum: 0, integer: true });
  const idleMs = numberOption(idleTimeout, 'idleTimeout', 60_000, { minimum: 1, allowInfinity: true });
  const queue = numberOption(queueLimit, 'queueLimit', 0, { minimum: 0, integer: true });
  const core: PoolOptions = {
    name: 'mysql',
    max,
    // mysql2's queueLimit counts only callers beyond those a connection is lent or being opened for: the
    // adapter applies it (acquire.ts); the core's line also holds callers waiting for their connect
    maxWaiting: queue === 0 ? Infinity : queue + max,
    // mysql2 keeps idle connections for ever unless maxIdle < connectionLimit; then, once a second, it
    // closes the least recently used beyond maxIdle, and any idle past idleTimeout
    idleTimeoutMs: idleMax < max ? idleMs : Infinity,
    maxIdle: idleMax < max ? idleMax : Infinity,
    // as mysql2: until a connect has worked, a connect error fails the callers at once
    failFast: { afterFailures: 5, untilConnected: true },
    ...pool,
  };
  // mysql2's pool opens a connection for each caller it cannot serve, up to the limit, and so does this
  // pool while the server answers (after a failed connect, @pool/core probes one at a time, paced)
  if (pool?.maxConcurrentCreates === undefined) core.maxConcurrentCreates = core.max;
  // a connect that gets no answer fails with mysql2's own error (ETIMEDOUT, after `connectTimeout`), as
  // with mysql2's pool: the core's create deadline is set just past it instead of racing it at 10 s
  if (pool?.createTimeoutMs === undefined) {
    const createTimeoutMs = createDeadlineFor(connection as ConnectionOptions);
    if (createTimeoutMs !== undefined) core.createTimeoutMs = createTimeoutMs;
  }
  // without a `name`: where it connects (`mysql:host:3306/db`), numbered when taken, so pools never collide in metrics
  const where = connection as { uri?: string; host?: string; port?: number; database?: string };
  core.name = defaultPoolName(pool?.name, targetName('mysql', where.uri, where, { host: 'localhost', port: 3306 }));
  resolveOptions(core);
  if (resetOnRelease === true) (connection as MysqlProviderConfig).resetSession = true;
  assertKnownKeys(connection, new Set([...driverKeys, 'resetSession', 'quitTimeoutMs', 'hosts', ...allowed]), '@pool/mysql');
  return {
    connection,
    core,
    waitForConnections: waitForConnections !== false,
    queryTimeoutMs: numberOption(queryTimeoutMs, 'queryTimeoutMs', Infinity, { minimum: 1, allowInfinity: true }),
    livenessCheckAfterMs: numberOption(livenessCheckAfterMs, 'livenessCheckAfterMs', livenessDefaults.thresholdMs, { minimum: 0, allowInfinity: true }),
    gracefulEnd: (connection as ConnectionOptions).gracefulEnd === true,
    trace: (connection as ConnectionOptions).trace !== false,
    mysql2: { connectionLimit: limit, waitForConnections: waitForConnections !== false, queueLimit: queue, maxIdle: maxIdle === undefined ? limit : idleMax, idleTimeout: idleMs, resetOnRelease: resetOnRelease === true },
  };
}

/** How much later than mysql2's `connectTimeout` the core gives up on a connect (mysql2's timer starts a little after the core's). */
const connectTimeoutMarginMs = 1000;

/**
 * The core's create deadline for a single-host pool: mysql2's `connectTimeout` (10 s when unset) plus
 * a margin, so mysql2's ETIMEDOUT is what a caller sees; undefined (the core's default) with `hosts`
 * (one create may try every host) or without a driver timeout (`connectTimeout: 0`).
 */
function createDeadlineFor(connection: ConnectionOptions & { hosts?: unknown }): number | undefined {
  if (connection.hosts !== undefined) return undefined;
  // as mysql2 merges them: a truthy value in the object wins over the URI's
  const own = connection.connectTimeout;
  const connectTimeout = own ? own : (connectTimeoutInUri(connection.uri) ?? own ?? 10_000);
  if (typeof connectTimeout !== 'number' || !(connectTimeout > 0) || !Number.isFinite(connectTimeout)) return undefined;
  return connectTimeout + connectTimeoutMarginMs;
}

/** `?connectTimeout=` of a `uri` (read as JSON, as mysql2 does). */
function connectTimeoutInUri(uri: unknown): unknown {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return undefined;
  const value = new URL(uri).searchParams.get('connectTimeout');
  if (value === null) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}
