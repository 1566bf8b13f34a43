import { poolsOf, type PoolSource } from '@pool/core/adapter-kit';
import { PoolMetricsError } from './errors.js';
import type { MeteredPool } from './metered-pool.js';

/**
 * What `add` accepts: a @pool/core `Pool`, any adapter's ready-made client (PgPool, MysqlPool,
 * RedisPool, TcpPool, WsPool, HttpPool: they all implement @pool/core's `PoolSource`), or any object
 * with `stats()` (and optionally `on`/`off` for the histograms).
 */
export type MetricsSource = PoolSource | MeteredPool;

/** The pools behind a source: its `[poolSource]()` (one, or one per origin), or the source itself. */
export function meteredPoolsOf(source: MetricsSource): readonly MeteredPool[] {
  const pools = poolsOf(source);
  if (pools) return pools as readonly MeteredPool[];
  if (typeof (source as Partial<MeteredPool>)?.stats !== 'function') {
    throw new PoolMetricsError('METRICS_INVALID_OPTION', 'add() expects a @pool pool or ready-made client (PgPool, MysqlPool, RedisPool, ...) or an object with stats()');
  }
  return [source as MeteredPool];
}

/**
 * Pools tracked by an exporter, keyed by `stats().name`: two pools with the same name would
 * produce colliding series, so the second `add` throws METRICS_DUPLICATE_POOL (and adds nothing).
 */
export class PoolRegistry<E> {
  private readonly entries = new Map<MeteredPool, { name: string; entry: E }>();
  private readonly sources = new Map<MetricsSource, readonly MeteredPool[]>();

  add(source: MetricsSource, make: (name: string, pool: MeteredPool) => E): void {
    if (this.sources.has(source)) return;
    const pools = meteredPoolsOf(source).filter((pool) => !this.entries.has(pool));
    const taken = new Set([...this.entries.values()].map((e) => e.name));
    const names = pools.map((pool) => pool.stats().name);
    for (const name of names) {
      if (taken.has(name)) {
        throw new PoolMetricsError('METRICS_DUPLICATE_POOL', `a pool named "${name}" is already registered; give each pool a distinct \`name\` option`);
      }
      taken.add(name);
    }
    pools.forEach((pool, i) => this.entries.set(pool, { name: names[i]!, entry: make(names[i]!, pool) }));
    this.sources.set(source, pools);
  }

  /** Forgets `source` (or one pool) and returns the entries to dispose of. */
  remove(source: MetricsSource): E[] {
    const pools = this.sources.get(source) ?? [source as MeteredPool];
    this.sources.delete(source);
    const removed: E[] = [];
    for (const pool of pools) {
      const found = this.entries.get(pool);
      if (!found) continue;
      this.entries.delete(pool);
      removed.push(found.entry);
    }
    return removed;
  }

  /** Every source added, for close(). */
  allSources(): MetricsSource[] {
    return [...this.sources.keys()];
  }

  *[Symbol.iterator](): IterableIterator<[MeteredPool, string, E]> {
    for (const [pool, { name, entry }] of this.entries) yield [pool, name, entry];
  }

  get size(): number {
    return this.entries.size;
  }
}
