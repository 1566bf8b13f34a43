import { EventEmitter } from 'node:events';
import type { PoolStats } from '@pool/core';

/** A pool stand-in whose stats and events the test controls exactly. */
export class StubPool extends EventEmitter {
  current: PoolStats;

  constructor(name: string, patch: Partial<Omit<PoolStats, 'totals'>> & { totals?: Partial<PoolStats['totals']> } = {}) {
    super();
    const { totals, ...rest } = patch;
    this.current = {
      name, size: 0, idle: 0, borrowed: 0, creating: 0, pending: 0, min: 0, max: 10,
      paused: false, closed: false, unavailable: false,
      totals: { created: 0, destroyed: 0, acquired: 0, released: 0, timeouts: 0, aborted: 0, rejected: 0, createErrors: 0, validationFailures: 0, leaks: 0, ...totals },
      ...rest,
    };
  }

  stats(): PoolStats {
    return this.current;
  }
}
