/** Running counters since the pool was created. */
export interface PoolTotals {
  /** Resources created successfully. */
  created: number;
  /** Resources handed to `destroy` (whatever its outcome). */
  destroyed: number;
  /** Leases handed out. */
  acquired: number;
  /** Leases given back with `release()`. */
  released: number;
  /** Acquires that ran out of time. */
  timeouts: number;
  /** Acquires given up while waiting: the caller's signal, or `withdraw` (by default; an adapter's watchdog cut). */
  aborted: number;
  /** Acquires the pool failed: refused at once (queue full, backend unavailable), failed by a create error, or `withdraw(..., 'rejected')`. */
  rejected: number;
  /** Creates that failed or timed out. */
  createErrors: number;
  /** Validations that failed, threw or timed out. */
  validationFailures: number;
  /** Leases reported as leaked. */
  leaks: number;
}

/**
 * A snapshot of the pool. `size` counts every resource the pool owns or is creating:
 * `size = idle + borrowed + creating`, where `borrowed` includes resources the pool itself holds for
 * a ping or a reset. With no create in flight, `totals.created - totals.destroyed = size`.
 */
export interface PoolStats {
  name: string;
  size: number;
  idle: number;
  borrowed: number;
  creating: number;
  /** Callers waiting for a resource. */
  pending: number;
  min: number;
  max: number;
  paused: boolean;
  closed: boolean;
  /** True while the circuit breaker rejects acquires because the backend is down. */
  unavailable: boolean;
  totals: PoolTotals;
}
