import type { Pool } from '@pool/core';

/**
 * mysql2's `maxIdle`: once a second, idle connections beyond `maxIdle` are closed, as mysql2's pool
 * does (those within it are closed after `idleTimeout` by the core pool's idle sweep). Never below
 * the core pool's `min`, and never the last connection (the core pool's `max` is at least 1).
 * The timer is unref'd: it never keeps the process alive. `stop()` at `end()`.
 */
export function trimIdleEverySecond<R>(pool: Pool<R>, maxIdle: number): { stop(): void } {
  const timer = setInterval(() => trimIdle(pool, maxIdle), 1000);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}

/** Closes the idle connections beyond `maxIdle` now; returns how many. */
export function trimIdle<R>(pool: Pool<R>, maxIdle: number): number {
  const { idle, size, min, max, closed } = pool.stats();
  if (closed) return 0;
  const surplus = Math.min(idle - maxIdle, size - min, size - 1);
  if (surplus <= 0) return 0;
  // resize() closes idle connections above a lower max at once (reason 'resized'); the max comes straight back
  pool.resize({ min, max: size - surplus });
  pool.resize({ min, max });
  return surplus;
}
