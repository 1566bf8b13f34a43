import type { PoolStats } from '@pool/core';

/**
 * What the exporters need from a pool: `stats()`, and `on`/`off` for the timing histograms.
 * Any `Pool` from @pool/core fits; a source with only `stats()` gets gauges and counters, no histograms.
 */
export interface MeteredPool {
  stats(): PoolStats;
  on?(event: TimingEvent, listener: (payload: TimingPayload) => void): unknown;
  off?(event: TimingEvent, listener: (payload: TimingPayload) => void): unknown;
}

/** The events the timing histograms listen to. */
export type TimingEvent = 'create' | 'acquire' | 'release';

/** The field read from each event's payload: create's `durationMs`, acquire's `waitMs`, release's `heldMs`. */
export type TimingPayload = { durationMs: number } | { waitMs: number } | { heldMs: number };

/** Where timing observations go, in seconds. */
export interface TimingSink {
  create(seconds: number): void;
  wait(seconds: number): void;
  use(seconds: number): void;
}


/**
 * Feeds `sink` from the pool's `create` (durationMs), `acquire` (waitMs) and `release` (heldMs)
 * events. Returns the function that unsubscribes. A pool without `on`/`off` records nothing.
 */
export function subscribeTimings(pool: MeteredPool, sink: TimingSink): () => void {
  if (typeof pool.on !== 'function' || typeof pool.off !== 'function') return () => {};
  // a pool-like object whose events carry something else (pg.Pool's 'release' is (err, client)) records nothing, never throws
  const ms = (e: unknown, key: string): number | undefined => {
    const value = typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[key] : undefined;
    return typeof value === 'number' ? value / 1000 : undefined;
  };
  const onCreate = (e: TimingPayload) => {
    const s = ms(e, 'durationMs');
    if (s !== undefined) sink.create(s);
  };
  const onAcquire = (e: TimingPayload) => {
    const s = ms(e, 'waitMs');
    if (s !== undefined) sink.wait(s);
  };
  const onRelease = (e: TimingPayload) => {
    const s = ms(e, 'heldMs');
    if (s !== undefined) sink.use(s);
  };
  pool.on('create', onCreate);
  pool.on('acquire', onAcquire);
  pool.on('release', onRelease);
  return () => {
    pool.off?.('create', onCreate);
    pool.off?.('acquire', onAcquire);
    pool.off?.('release', onRelease);
  };
}
