import { PoolMetricsError } from './errors.js';
import type { MeteredPool } from './metered-pool.js';

/**
 * Pools tracked by an exporter, keyed by `stats().name`: two pools with the same name would
 * produce colliding series, so the second `add` throws METRICS_DUPLICATE_POOL.
 */
export class PoolRegistry<E> {
  private readonly entries = new Map<MeteredPool, { name: string; entry: E }>();

  add(pool: MeteredPool, make: (name: string) => E): void {
    if (this.entries.has(pool)) return;
    const name = pool.stats().name;
    for (const other of this.entries.values()) {
      if (other.name === name) {
        throw new PoolMetricsError('METRICS_DUPLICATE_POOL', `a pool named "${name}" is already registered; give each pool a distinct \`name\` option`);
      }
    }
    this.entries.set(pool, { name, entry: make(name) });
  }

  remove(pool: MeteredPool): E | undefined {
    const found = this.entries.get(pool);
    this.entries.delete(pool);
    return found?.entry;
  }

  *[Symbol.iterator](): IterableIterator<[MeteredPool, string, E]> {
    for (const [pool, { name, entry }] of this.entries) yield [pool, name, entry];
  }

  get size(): number {
    return this.entries.size;
  }
}
