import type { PoolStats } from '@pool/core';

/**
 * The accounting rules every pool snapshot must satisfy, as a list of broken ones (empty when
 * consistent): size = idle + borrowed + creating, size <= max, and with no create in flight
 * totals.created - totals.destroyed = size.
 */
export function statsViolations(stats: PoolStats): string[] {
  const problems: string[] = [];
  if (stats.size !== stats.idle + stats.borrowed + stats.creating) {
    problems.push(`size ${stats.size} != idle ${stats.idle} + borrowed ${stats.borrowed} + creating ${stats.creating}`);
  }
  if (stats.size > stats.max) problems.push(`size ${stats.size} > max ${stats.max}`);
  if (stats.creating === 0 && stats.totals.created - stats.totals.destroyed !== stats.size) {
    problems.push(`created ${stats.totals.created} - destroyed ${stats.totals.destroyed} != size ${stats.size}`);
  }
  for (const key of ['size', 'idle', 'borrowed', 'creating', 'pending'] as const) {
    if (!(stats[key] >= 0)) problems.push(`${key} is ${stats[key]}`);
  }
  return problems;
}
