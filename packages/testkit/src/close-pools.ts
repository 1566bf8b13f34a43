import type { PoolStats } from '@pool/core';
import { afterEach, expect } from 'vitest';

/** What {@link closePoolsAfterEach} needs of a pool. */
export interface ClosablePool {
  close(options?: { timeoutMs?: number }): Promise<void>;
  stats(): PoolStats;
}

/**
 * Registers an afterEach that closes every pool passed to the returned `track` during the test
 * (`close({ timeoutMs: 2000 })`) and expects each to have left nothing behind: size 0, every
 * resource it created destroyed. `track` returns its pool.
 */
export function closePoolsAfterEach(): <P extends ClosablePool>(pool: P) => P {
  const open: ClosablePool[] = [];
  afterEach(async () => {
    for (const pool of open.splice(0)) {
      await pool.close({ timeoutMs: 2000 });
      const stats = pool.stats();
      expect(stats.size).toBe(0);
      expect(stats.totals.created).toBe(stats.totals.destroyed);
    }
  });
  return (pool) => {
    open.push(pool);
    return pool;
  };
}
