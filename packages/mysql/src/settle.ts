import type { Lease, Pool } from '@pool/core';
import type { Connection } from 'mysql2/promise';
import { isFatalMysqlError, isReadOnlyMysqlError } from './errors.js';
import { sessionOf } from './session.js';

/**
 * Gives a lease back after `error`, as @pool/core's `use()` does: a read-only error (failover)
 * destroys it and evicts every connection; a connection-level error, or a connection mysql2 saw
 * die, destroys it; any other error (a statement error) releases it for reuse.
 */
export function settleAfterError(pool: Pool<Connection>, lease: Lease<Connection>, error: unknown): void {
  if (lease.released) return;
  if (isReadOnlyMysqlError(error)) {
    lease.destroy(error);
    pool.evictAll(error);
  } else if (isFatalMysqlError(error) || (sessionOf(lease.resource)?.isBroken() ?? true)) {
    lease.destroy(error);
  } else {
    lease.release();
  }
}
