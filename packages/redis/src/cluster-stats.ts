import type { PoolStats, PoolTotals } from '@pool/core';

/** A cluster pool's stats: the sums over its primaries' pools, and each pool's own, by `host:port`. */
export interface ClusterPoolStats extends PoolStats {
  nodes: Record<string, PoolStats>;
}

const counts = ['size', 'idle', 'borrowed', 'creating', 'pending', 'min', 'max'] as const;

/** Zero counters. */
export function emptyTotals(): PoolTotals {
  return { created: 0, destroyed: 0, acquired: 0, released: 0, timeouts: 0, aborted: 0, rejected: 0, createErrors: 0, validationFailures: 0, leaks: 0 };
}

/**
 * Sums node pools' stats. `totals` include the pools of nodes retired since (`retired`), so the
 * counters of the total never go down when a failover replaces a node's pool.
 */
export function sumStats(name: string, nodes: Map<string, PoolStats>, retired: PoolTotals, closed: boolean): ClusterPoolStats {
  const total: ClusterPoolStats = {
    name, size: 0, idle: 0, borrowed: 0, creating: 0, pending: 0, min: 0, max: 0,
    paused: nodes.size > 0, closed, unavailable: false, totals: { ...retired }, nodes: {},
  };
  for (const [key, stats] of nodes) {
    total.nodes[key] = stats;
    for (const field of counts) total[field] += stats[field];
    total.paused &&= stats.paused;
    total.unavailable ||= stats.unavailable;
    for (const field of Object.keys(total.totals) as (keyof PoolTotals)[]) total.totals[field] += stats.totals[field] ?? 0;
  }
  return total;
}

/** Adds `stats.totals` into `into` (a retired node's counters). */
export function addTotals(into: PoolTotals, stats: PoolTotals): void {
  for (const field of Object.keys(into) as (keyof PoolTotals)[]) into[field] += stats[field] ?? 0;
}
