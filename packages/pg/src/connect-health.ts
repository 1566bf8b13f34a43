import { isPoolError, PoolTimeoutError, type Pool } from '@pool/core';
import type pg from 'pg';

/**
 * Follows the pool's connects: the last failure (the server down, refusing, restarting) until one
 * succeeds. `end()` uses it: a connect that fails after `end()` while calls issued before it still wait
 * for a connection closes the pool, and those calls get that connect error (as pg.Pool's would)
 * instead of waiting out their deadline and holding `end()` up with them.
 */
export class ConnectHealth {
  /** The pool's report of the last failed create (POOL_CREATE_FAILED, its cause the driver's error), while failing. */
  private failure: Error | undefined;
  /** Called on each failed create. */
  onFailure: (() => void) | undefined;

  constructor(core: Pool<pg.Client>) {
    core.on('error', (error) => {
      const createTimeout = error instanceof PoolTimeoutError && error.phase === 'create';
      if (!createTimeout && !isPoolError(error, 'POOL_CREATE_FAILED')) return;
      this.failure = error;
      this.onFailure?.();
    });
    core.on('create', () => {
      this.failure = undefined;
    });
  }

  /**
   * What a caller whose wait `end()` cut short (POOL_CLOSED) gets: the last connect failure when
   * connects were failing (the caller then sees the driver's error, as with pg.Pool), else `error` itself.
   */
  closedCause(error: unknown): unknown {
    return this.failure !== undefined && isPoolError(error, 'POOL_CLOSED') ? this.failure : error;
  }
}
