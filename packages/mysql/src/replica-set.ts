import { isPoolError } from '@pool/core';
import { isFatalMysqlError } from './errors.js';

/** What the replica set needs of a pool. */
export interface RoutablePool {
  stats(): { borrowed: number; pending: number; closed: boolean; unavailable: boolean };
}

/** How long a replica that failed a read is left out before it is tried again (by the next read). */
const DOWN_MS = 1_000;

/**
 * The replicas of a primary: reads go to the healthy replica with the least outstanding work
 * (borrowed + waiting), and to the primary when none is healthy. A replica whose read failed for a
 * connection reason (refused, lost, unavailable, timed out) is left out for a second; the next read
 * after that probes it back in.
 */
export class ReplicaSet<P extends RoutablePool> {
  private readonly downUntil = new Map<P, number>();

  constructor(readonly replicas: readonly P[], private readonly primary: P) {}

  /** The pool a read goes to now. */
  pick(): P {
    let best: P | undefined;
    let bestLoad = Infinity;
    const now = performance.now();
    for (const replica of this.replicas) {
      const stats = replica.stats();
      if (stats.closed || stats.unavailable || (this.downUntil.get(replica) ?? 0) > now) continue;
      const load = stats.borrowed + stats.pending;
      if (load < bestLoad) {
        best = replica;
        bestLoad = load;
      }
    }
    return best ?? this.primary;
  }

  /** Leaves `replica` out for a while after a connection-level failure. */
  markDown(replica: P): void {
    this.downUntil.set(replica, performance.now() + DOWN_MS);
  }
}

/** True when a read failed because of its server or connection (never a statement error): try the primary instead. */
export function shouldFallBack(error: unknown): boolean {
  if (isPoolError(error)) return true;
  if (isFatalMysqlError(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code.startsWith('PROTOCOL_') || code === 'ER_CON_COUNT_ERROR' || code === 'ER_SERVER_SHUTDOWN');
}
