/**
 * The one shape every pool in a workload is driven through: `acquire()` resolves with a handle
 * (a lease, a resource, a client), `release(handle)` gives it back. Each adapter calls its pool's
 * own natural API, so the only cost added to every pool alike is this one indirection.
 */
export interface BenchPool<H = unknown> {
  acquire(): Promise<H>;
  release(handle: H): void;
  /** Frees the pool's resources and timers after a run. */
  close(): Promise<void>;
}

/** A pool under test: how it is named in the tables and how to build one of a given `max`. */
export interface PoolContender {
  name: string;
  /** A reference, not a pool library (the hand-written pool, the Promise floor). */
  reference: boolean;
  /** Settings that differ from the library's defaults, and why (shown under the tables). */
  note: string;
  create(max: number): BenchPool;
}
