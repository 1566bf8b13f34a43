import { PoolOptionError } from '@pool/core';
import { targetSessionAttrsValues, type TargetSessionAttrs } from './host-role.js';
import type { HostHealthOptions, HostSettings } from './pg-host.js';
import type { PgPoolConfig } from './pool-config.js';

/** One host of a cluster: a connection string, or `{ host, port, ... }` (any pg option, over the shared ones). */
export type PgHostConfig = string | PgPoolConfig;

/**
 * Options of a multi-host pool (`createPgPool({ primary, replicas })` or `createPgPool({ hosts })`).
 * Every {@link PgPoolConfig} field at the top level (user, database, max, pool, pooler...) applies to
 * each host's pool; each host adds its address (a URL, or `{ host, port }`) and may override any field.
 */
export interface PgClusterConfig extends Omit<PgPoolConfig, 'host' | 'port' | 'connectionString'> {
  /** The writable server. With `replicas`; roles are rediscovered after a failover, so this is a starting hint. */
  primary?: PgHostConfig;
  /** Read replicas (streaming standbys). */
  replicas?: PgHostConfig[];
  /** All servers, in libpq's order of preference (an alternative to primary/replicas). */
  hosts?: PgHostConfig[];
  /** Where `query`, `connect` and `transaction` go, as libpq's target_session_attrs. @default 'read-write' */
  targetSessionAttrs?: TargetSessionAttrs;
  /** Health checks, probes and the replica lag guard. */
  health?: HostHealthOptions;
}

/** A cluster config with its hosts: what makes `createPgPool` return a {@link PgCluster}. */
export type PgClusterInput = PgClusterConfig & ({ primary: PgHostConfig } | { hosts: PgHostConfig[] });

/** The parsed cluster config. */
export interface ResolvedClusterConfig {
  hosts: PgPoolConfig[];
  targetSessionAttrs: TargetSessionAttrs;
  settings: HostSettings;
  name: string;
}

const clusterKeys = ['primary', 'replicas', 'hosts', 'targetSessionAttrs', 'health'];

/** True when a createPgPool config asks for several hosts. */
export function isClusterConfig(config: unknown): config is PgClusterConfig {
  return typeof config === 'object' && config !== null && ('primary' in config || 'replicas' in config || 'hosts' in config);
}

function positive(value: unknown, key: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw new PoolOptionError(key, `Expected \`${key}\` to be a number ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}

function hostConfig(shared: Record<string, unknown>, entry: unknown, key: string): PgPoolConfig {
  if (typeof entry === 'string') return { ...shared, connectionString: entry } as PgPoolConfig;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new PoolOptionError(key, `Expected \`${key}\` to be a connection string or a { host, port } object`);
  }
  // descriptors, so a hidden password stays hidden
  const merged: Record<string, unknown> = { ...shared };
  for (const name of Object.keys(entry)) Object.defineProperty(merged, name, { ...(Object.getOwnPropertyDescriptor(entry, name) as PropertyDescriptor), configurable: true });
  if (Object.getOwnPropertyDescriptor(entry, 'password')?.enumerable === false) Object.defineProperty(merged, 'password', { value: (entry as { password: unknown }).password, enumerable: false, configurable: true, writable: true });
  return merged as PgPoolConfig;
}

/** Checks a cluster config and makes one pool config per host. */
export function resolveClusterConfig(config: PgClusterConfig): ResolvedClusterConfig {
  const source = config as Record<string, unknown>;
  for (const key of ['connectionString', 'host', 'port']) {
    if (source[key] !== undefined) throw new PoolOptionError(key, `\`${key}\` does not go with primary/replicas/hosts: give each host's address there`);
  }
  if (config.hosts !== undefined && (config.primary !== undefined || config.replicas !== undefined)) {
    throw new PoolOptionError('hosts', 'Give either `hosts` or `primary` (+ `replicas`), not both');
  }
  const shared: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (!clusterKeys.includes(key)) shared[key] = source[key];
  if (typeof source.password === 'string' && Object.getOwnPropertyDescriptor(source, 'password')?.enumerable === false) shared.password = source.password;
  const hosts: PgPoolConfig[] = [];
  if (config.hosts !== undefined) {
    if (!Array.isArray(config.hosts) || config.hosts.length === 0) throw new PoolOptionError('hosts', 'Expected `hosts` to be a non-empty array');
    config.hosts.forEach((entry, i) => hosts.push(hostConfig(shared, entry, `hosts[${i}]`)));
  } else {
    if (config.primary === undefined) throw new PoolOptionError('primary', 'Expected `primary` (the writable server) with `replicas`');
    hosts.push(hostConfig(shared, config.primary, 'primary'));
    if (config.replicas !== undefined && !Array.isArray(config.replicas)) throw new PoolOptionError('replicas', 'Expected `replicas` to be an array');
    (config.replicas ?? []).forEach((entry, i) => hosts.push(hostConfig(shared, entry, `replicas[${i}]`)));
  }
  const attrs = config.targetSessionAttrs ?? 'read-write';
  if (!targetSessionAttrsValues.includes(attrs)) {
    throw new PoolOptionError('targetSessionAttrs', `Expected \`targetSessionAttrs\` to be one of ${targetSessionAttrsValues.join(', ')}, got ${JSON.stringify(attrs)}`);
  }
  const health = config.health ?? {};
  if (typeof health !== 'object' || health === null) throw new PoolOptionError('health', 'Expected `health` to be an object');
  const probe = health.probe ?? {};
  const settings: HostSettings = {
    downAfterFailures: positive(health.downAfterFailures, 'health.downAfterFailures', 2),
    probeMinDelayMs: positive(probe.minDelayMs, 'health.probe.minDelayMs', 100),
    probeMaxDelayMs: positive(probe.maxDelayMs, 'health.probe.maxDelayMs', 2000),
    checkIntervalMs: positive(health.checkIntervalMs, 'health.checkIntervalMs', 5000, true),
    maxReplicationLagMs: positive(health.maxReplicationLagMs, 'health.maxReplicationLagMs', Infinity, true),
  };
  const name = typeof config.pool?.name === 'string' ? config.pool.name : 'pg';
  return { hosts, targetSessionAttrs: attrs, settings, name };
}
