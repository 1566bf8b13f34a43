import { describeValue, PoolOptionError } from '@pool/core';
import type { MysqlPoolConfig } from './pool-options.js';

/** Where replicas are described: `'mysql://...'` URLs or connection options laid over the primary's. */
export type MysqlReplica = string | Omit<MysqlPoolConfig, 'replicas' | 'primary' | 'hosts'>;

/** The routing keys of a drop-in config. */
export interface RoutingOptions {
  /** The primary's connection options (or URL), instead of giving them at the top level. */
  primary?: Omit<MysqlPoolConfig, 'replicas' | 'primary'> | string;
  /** Read replicas: each gets its own pool (same pool options); reads go there with `{ readOnly: true }` or `pool.replica()`. */
  replicas?: MysqlReplica[];
}

/** Splits `primary`/`replicas` out of a config: the primary's flat config and one flat config per replica. */
export function splitRouting(config: (MysqlPoolConfig & RoutingOptions) | string): { primary: MysqlPoolConfig | string; replicas: MysqlPoolConfig[] } {
  if (typeof config !== 'object' || config === null || (config.primary === undefined && config.replicas === undefined)) return { primary: config, replicas: [] };
  const { primary, replicas = [], ...rest } = config;
  if (primary !== undefined && typeof primary !== 'string' && (typeof primary !== 'object' || primary === null)) {
    throw new PoolOptionError('primary', `Expected \`primary\` to be connection options or a mysql:// URL, got ${describeValue(primary)}`);
  }
  if (!Array.isArray(replicas)) throw new PoolOptionError('replicas', `Expected \`replicas\` to be an array of connection options or mysql:// URLs, got ${describeValue(replicas)}`);
  const base: MysqlPoolConfig = { ...rest, ...(typeof primary === 'string' ? { uri: primary } : primary) };
  const { hosts: _, ...shared } = base;
  const name = base.pool?.name ?? 'mysql';
  return {
    primary: base,
    replicas: replicas.map((replica, i) => {
      if (typeof replica !== 'string' && (typeof replica !== 'object' || replica === null)) {
        throw new PoolOptionError(`replicas[${i}]`, `Expected \`replicas[${i}]\` to be connection options or a mysql:// URL, got ${describeValue(replica)}`);
      }
      const own = typeof replica === 'string' ? { uri: replica } : replica;
      const merged: MysqlPoolConfig = { ...shared, ...own, pool: { ...shared.pool, ...own.pool, name: `${name}-replica${i}` } };
      // a replica's URL replaces the primary's host, user and password
      if (typeof replica === 'string') for (const key of ['host', 'port', 'user', 'password', 'database', 'socketPath'] as const) delete merged[key];
      return merged;
    }),
  };
}
