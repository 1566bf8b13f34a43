import type { PoolOptions, PoolStats } from '@pool/core';
import type { MetricsSource } from '@pool/metrics';

/** The pools the demo knows, in display order. */
export const POOL_IDS = ['pg', 'mysql', 'redis', 'tcp', 'ws', 'http'] as const;
export type PoolId = (typeof POOL_IDS)[number];

/** One kind of request in a pool's mixed workload. */
export interface Operation {
  name: string;
  /** Relative frequency. */
  weight: number;
  run(): Promise<void>;
}

/** A pool the demo drives: how to reach it, its stats, its workload, and how to close it. */
export interface DemoTarget {
  id: PoolId;
  /** What it is, e.g. 'PostgreSQL via PGlite (embedded)'. */
  title: string;
  /** The library doing the pooling: the adapter, or the demo's own provider on @pool/core. */
  via: string;
  /** Where it connects (a password is never shown). */
  endpoint: string;
  /** What /metrics exports: the adapter's ready-made client (any @pool adapter's is accepted as is). */
  metered: MetricsSource;
  stats(): PoolStats;
  operations: Operation[];
  /** Concurrent callers driving it (more than `max`, so waiting shows). */
  callers: number;
  close(): Promise<void>;
}

/** What every target's setup gets. */
export interface SetupContext {
  /** Common pool options (timeouts, retry backoff, failFast); each target adds name and max. */
  poolOptions: PoolOptions;
  /** Returns the address to connect to: the fault proxy when this pool is the fault target. */
  route(id: PoolId, upstream: { host: string; port: number }): Promise<{ host: string; port: number }>;
  /** Where slow-to-build things are cached (the PGlite data directory template). */
  cacheDir: string;
  /** Prints a line for the user (before the live view starts). */
  note(message: string): void;
}

/** Why a pool is not part of this run. */
export interface SkippedTarget {
  id: PoolId;
  reason: string;
}
