import type { Pool } from '@pool/core';
import type pg from 'pg';
import { stateOf } from './client-state.js';

/**
 * pg.Pool's counters (`totalCount`, `idleCount`, `waitingCount`, `expiredCount`) read off a
 * @pool/core pool, with pg.Pool's meaning:
 *
 * - an idle client that failed leaves `totalCount` and `idleCount` at once (pg.Pool drops it at once),
 *   though @pool/core destroys it only when it next meets it;
 * - `waitingCount` counts callers queued for a client, not those a connection is being opened for
 *   (pg.Pool opens one per caller, up to `max`, without queueing them);
 * - `expiredCount` counts clients lent past their lifetime (`maxLifetimeSeconds`), which pg.Pool
 *   closes when they come back.
 */
export class PgPoolCounters {
  /** Idle clients that failed and await their destroy. */
  private readonly deadIdle = new Set<pg.Client>();
  /**
   * Every open client and when it connected (performance.now()), kept only with a finite lifetime.
   * Changed per connect and close, never per query: lent or not is the client's own state.
   */
  private readonly bornAt = new Map<pg.Client, number>();

  constructor(private readonly core: Pool<pg.Client>) {
    if (core.options.maxLifetimeMs !== Infinity) core.on('create', (event) => this.bornAt.set(event.resource, performance.now()));
    core.on('destroy', (event) => {
      this.deadIdle.delete(event.resource);
      this.bornAt.delete(event.resource);
    });
  }

  /** An idle client failed: no longer counted. */
  idleFailed(client: pg.Client): void {
    this.deadIdle.add(client);
  }

  get total(): number {
    return this.core.stats().size - this.deadIdle.size;
  }

  get idle(): number {
    return Math.max(0, this.core.stats().idle - this.deadIdle.size);
  }

  get waiting(): number {
    const { pending, creating } = this.core.stats();
    return Math.max(0, pending - creating);
  }

  get expired(): number {
    const lifetime = this.core.options.maxLifetimeMs;
    if (lifetime === Infinity) return 0;
    const now = performance.now();
    let count = 0;
    for (const [client, born] of this.bornAt) {
      if (now - born >= lifetime && stateOf(client)?.borrowed === true) count++;
    }
    return count;
  }
}
