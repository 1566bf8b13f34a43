import type { ResolvedOptions } from '@pool/core';
import type pg from 'pg';
import { hide } from './config.js';
import type { PgPoolConfig, splitPoolConfig } from './pool-config.js';

/**
 * `pool.options` as pg.Pool reports it: the config given, with the sizes and timeouts in force in
 * pg.Pool's units. The password, `ssl.key` and `connectionString` are there but not enumerable (as
 * pg.Pool hides its password and key), so logging or spreading the options never prints them.
 */
export function reportedOptions(config: PgPoolConfig | string | undefined, split: ReturnType<typeof splitPoolConfig>, resolved: Readonly<ResolvedOptions>, allowExitOnIdle: boolean | undefined): pg.PoolOptions {
  const options: Record<string, unknown> = {
    ...split.provider,
    max: resolved.max,
    min: resolved.min,
    maxUses: resolved.maxUses,
    allowExitOnIdle,
    maxLifetimeSeconds: resolved.maxLifetimeMs === Infinity ? 0 : resolved.maxLifetimeMs / 1000,
    // null (pg.Pool's "never", as its types allow) is reported as given
    idleTimeoutMillis: split.idleTimeoutNull ? null : resolved.idleTimeoutMs === Infinity ? 0 : resolved.idleTimeoutMs,
  };
  if (typeof config === 'object' && config !== null && 'password' in config) options.password = config.password;
  hide(options, 'password');
  // pg.Pool hides ssl.key too (a copy here: the caller's object is left as it is)
  const ssl = options.ssl;
  if (typeof ssl === 'object' && ssl !== null && 'key' in ssl) hide((options.ssl = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ssl))), 'key');
  hide(options, 'connectionString');
  return options as unknown as pg.PoolOptions;
}
