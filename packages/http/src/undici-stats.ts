import type { PoolStats } from '@pool/core';

/**
 * The counters of undici's `Pool#stats` (its `PoolStats`), so code written for undici's `Pool` can
 * read them from {@link HttpPool.stats}. Summed over the origins' @pool/core pools.
 */
export interface HttpPoolStats {
  /** Open connections (sockets). */
  connected: number;
  /** Open connections with no request on them. */
  free: number;
  /** Requests not yet sent: waiting for a connection. */
  pending: number;
  /** Requests waiting for a connection (the same as `pending`: a request is only handed to a connection that is free). */
  queued: number;
  /** Requests in flight on a connection (health checks included). */
  running: number;
  /** `pending + running`. */
  size: number;
}

/** undici-style counters from the pools' stats. */
export function undiciStats(pools: readonly PoolStats[]): HttpPoolStats {
  let connected = 0;
  let free = 0;
  let queued = 0;
  let running = 0;
  for (const stats of pools) {
    connected += stats.size - stats.creating;
    free += stats.idle;
    queued += stats.pending;
    running += stats.borrowed;
  }
  return { connected, free, pending: queued, queued, running, size: queued + running };
}
