import { PoolOptionError, describeValue, numberOption, type PoolOptions } from '@pool/core';
import type { RedisProviderConfig } from './config.js';
import { parseNodeAddress, type NodeAddress } from './node-address.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from './redis-pool.js';

/** Options of {@link createRedisClusterPool}. */
export interface RedisClusterPoolConfig extends Omit<RedisProviderConfig, 'url' | 'host' | 'port' | 'db'> {
  /** Seed nodes, `{ host, port }` or `'host:port'`: any node of the cluster (primary or replica); the others are learnt from it. */
  nodes: (NodeAddress | string)[];
  /**
   * @pool/core options of each primary's pool (max, acquireTimeoutMs, ...): `max: 10` means up to
   * 10 connections per primary. Each pool is named `<name> <host:port>`.
   */
  pool?: PoolOptions;
  /** The cluster pool's name, in its total stats and its node pools' names. @default 'redis-cluster' */
  name?: string;
  /** How long one node may take to answer `CLUSTER SLOTS` (connect included). @default 2000 */
  refreshTimeoutMs?: number;
  /** Each node pool's per-call deadline once a connection is held (see `createRedisPool`). @default 10000 */
  queryTimeoutMs?: number;
}

export interface ResolvedClusterConfig {
  seeds: NodeAddress[];
  name: string;
  refreshTimeoutMs: number;
  /** The node pools' per-call deadline (also the margin past a blocking command's own timeout). */
  queryTimeoutMs: number;
  poolOptions: PoolOptions;
  /** What every node's RedisPool gets besides host, port and pool. */
  connection: Omit<RedisProviderConfig, 'url' | 'host' | 'port' | 'db'>;
}

function fail(key: string, message: string): never {
  throw new PoolOptionError(key, `[@pool/redis] invalid option \`${key}\`: ${message}`);
}

export function resolveClusterConfig(config: RedisClusterPoolConfig): ResolvedClusterConfig {
  if (typeof config !== 'object' || config === null) fail('config', `expected an object with \`nodes\`, got ${describeValue(config)}`);
  const { nodes, pool = {}, name = 'redis-cluster', refreshTimeoutMs, ...rest } = config;
  const extra = rest as Record<string, unknown>;
  for (const key of ['url', 'host', 'port', 'sentinels']) {
    if (extra[key] !== undefined) fail(key, 'not allowed in a cluster pool: list the cluster\'s nodes in `nodes`');
  }
  if (extra.db !== undefined && extra.db !== 0) fail('db', `a cluster has only database 0, got ${describeValue(extra.db)}`);
  delete extra.db;
  if (!Array.isArray(nodes) || nodes.length === 0) fail('nodes', `expected a non-empty array of { host, port } or 'host:port', got ${describeValue(nodes)}`);
  const seeds = nodes.map((node, index) => parseNodeAddress(node, `nodes[${index}]`, 6379));
  if (typeof name !== 'string' || name === '') fail('name', `expected a non-empty string, got ${describeValue(name)}`);
  if (typeof pool !== 'object' || pool === null) fail('pool', `expected an object of @pool/core options, got ${describeValue(pool)}`);
  if ((pool as { name?: unknown }).name !== undefined) fail('pool.name', 'each node pool is named `<name> <host:port>`: set `name` instead');
  return {
    seeds,
    name,
    refreshTimeoutMs: numberOption(refreshTimeoutMs, 'refreshTimeoutMs', 2_000, { minimum: 1 }),
    queryTimeoutMs: numberOption(rest.queryTimeoutMs, 'queryTimeoutMs', DEFAULT_QUERY_TIMEOUT_MS, { minimum: 1, allowInfinity: true }),
    poolOptions: pool,
    connection: rest,
  };
}
