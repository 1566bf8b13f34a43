import { defaultPoolName, PoolOptionError, type PoolOptions } from '@pool/core';
import type { PgProviderConfig } from './config.js';

/**
 * Options of {@link createPgPool}: the provider's options (a pg `ClientConfig` plus `resetQuery`,
 * `onDirtyRelease`, `pingQuery`, ...), the pg.Pool sizing fields people already use, and `pool` for
 * any @pool/core option (which wins over the pg.Pool-style field it overlaps).
 */
export interface PgPoolConfig extends PgProviderConfig {
  /** pg.Pool's `max`: the most clients. @default 10 */
  max?: number;
  /** pg.Pool's `min`: clients kept open (and, unlike pg.Pool, opened at start). @default 0 */
  min?: number;
  /** pg.Pool's `idleTimeoutMillis`: idle clients above `min` close after this; 0 = never. @default @pool/core's idleTimeoutMs (300000) */
  idleTimeoutMillis?: number | null;
  /**
   * pg.Pool's `connectionTimeoutMillis`: how long `connect()`/`query()` wait for a client, queue and
   * connect included (acquireTimeoutMs); 0 = forever. Also given to each pg.Client as its connect timeout.
   */
  connectionTimeoutMillis?: number;
  /** pg.Pool's `maxUses`: a client is closed after this many checkouts. */
  maxUses?: number;
  /** pg.Pool's `maxLifetimeSeconds`: clients are rotated after this age; 0 = never. */
  maxLifetimeSeconds?: number;
  /** Accepted for pg.Pool compatibility; always true here (every pool timer is unref'd). */
  allowExitOnIdle?: boolean;
  /** Any @pool/core option (acquireTimeoutMs, validateAfterIdleMs, keepaliveIntervalMs, maxWaiting, name, logger...). */
  pool?: PoolOptions;
}

/** Keys that configure the pool, never passed to pg.Client. */
const poolKeys = ['max', 'min', 'idleTimeoutMillis', 'maxUses', 'maxLifetimeSeconds', 'allowExitOnIdle', 'pool', 'log', 'Promise', 'verify', 'poolSize'] as const;

function nonNegative(config: Record<string, unknown>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new PoolOptionError(key, `Expected \`${key}\` to be a number >= 0, got ${String(value)}`);
  }
  return value;
}

/** Splits a {@link PgPoolConfig} into the provider config and the @pool/core options. */
export function splitPoolConfig(config: PgPoolConfig | string | undefined): { provider: PgProviderConfig; pool: PoolOptions } {
  if (config === undefined || typeof config === 'string') return { provider: { connectionString: config }, pool: { name: defaultPoolName(undefined, whereName(config, undefined, undefined, undefined)) } };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PoolOptionError('config', 'Expected a connection string or a config object');
  }
  const source = config as Record<string, unknown>;
  let pool: PoolOptions = {};
  const max = nonNegative(source, 'max');
  if (max !== undefined) pool.max = max;
  const min = nonNegative(source, 'min');
  if (min !== undefined) pool.min = min;
  const idle = nonNegative(source, 'idleTimeoutMillis');
  if (idle !== undefined) pool.idleTimeoutMs = idle === 0 ? Infinity : idle;
  const wait = nonNegative(source, 'connectionTimeoutMillis');
  if (wait !== undefined) pool.acquireTimeoutMs = wait === 0 ? Infinity : wait;
  const uses = nonNegative(source, 'maxUses');
  if (uses !== undefined) pool.maxUses = uses;
  const lifetime = nonNegative(source, 'maxLifetimeSeconds');
  if (lifetime !== undefined) pool.maxLifetimeMs = lifetime === 0 ? Infinity : lifetime * 1000;
  if (config.pool !== undefined) {
    if (typeof config.pool !== 'object' || config.pool === null) throw new PoolOptionError('pool', 'Expected `pool` to be an object of @pool/core options');
    // spread, not Object.assign: an own `__proto__` key stays a key, which @pool/core then rejects
    pool = { ...pool, ...config.pool };
  }
  pool = { ...pool, name: defaultPoolName(pool.name, whereName(config.connectionString, config.host, config.port, config.database)) };
  const provider: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if ((poolKeys as readonly string[]).includes(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(source, key) as PropertyDescriptor;
    Object.defineProperty(provider, key, { ...descriptor, configurable: true });
  }
  return { provider: provider as PgProviderConfig, pool };
}

/** `pg:host:port/database` from a connection string or host/port/database fields (no credentials). */
function whereName(url: string | undefined, host: string | undefined, port: number | string | undefined, database: string | undefined): string {
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  const h = host ?? (parsed?.hostname || process.env.PGHOST || 'localhost');
  const p = port ?? (parsed?.port || process.env.PGPORT || 5432);
  const d = database ?? (decodeURIComponent(parsed?.pathname.slice(1) ?? '') || process.env.PGDATABASE || undefined);
  return `pg:${h}:${p}${d === undefined ? '' : `/${d}`}`;
}
