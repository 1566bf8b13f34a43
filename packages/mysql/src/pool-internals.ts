import type { PoolContext } from './context.js';

/** What a PoolCluster needs of its node pools beyond their public API. */
export interface PoolInternals {
  /** The pool's call context: its core pool, queue rules, deadlines and watchdog. */
  readonly ctx: PoolContext;
  /** mysql2's `gracefulEnd`: `conn.end()` closes the connection instead of releasing it. */
  readonly gracefulEnd: boolean;
}

const internals = new WeakMap<object, PoolInternals>();

/** Records `pool`'s internals (its constructor does). */
export function setInternals(pool: object, value: PoolInternals): void {
  internals.set(pool, value);
}

/** The internals of a pool this package built; undefined for any other object. */
export function internalsOf(pool: object): PoolInternals | undefined {
  return internals.get(pool);
}
