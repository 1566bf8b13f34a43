import { unwatchAbort, watchAbort } from '@pool/core';
import { backoffDelay } from '@pool/core/adapter-kit';

/** The pause before a borrow's tries beyond its first round of the pattern's nodes: from about this, doubling. */
export const retryMinDelayMs = 10;
/** ... up to this (with jitter, 250-500 ms apart): a node that comes back serves the waiting borrow within about half a second. */
export const retryMaxDelayMs = 500;

/**
 * Paces one cluster borrow's tries. mysql2's PoolCluster retries at once, for ever, each try a real
 * connect; a node pool of ours may refuse at once (a permanent connect error, an open breaker), so an
 * unpaced loop over nodes that all fail (`removeNodeErrorCount: Infinity`) would spin the CPU until the
 * caller's deadline. As many tries as there are online nodes of the pattern go at once (a turn of the
 * event loop apart), so a borrow that fails on one node is served by the next without delay; past that
 * round each try waits @pool/core's backoff (`backoffDelay`, from {@link retryMinDelayMs} up to
 * {@link retryMaxDelayMs}).
 */
export class RetryPace {
  private failures = 0;

  /**
   * Waits before the next try after a failed one. `online`: the pattern's online nodes now; `deadline`:
   * the borrow's (`performance.now()` scale), which cuts the pause short, then resolves false (no time
   * for another try); `signals` (the caller's abort, the cluster's end) end the pause early.
   */
  pause(online: number, deadline: number | undefined, signals: ReadonlyArray<AbortSignal | undefined>): Promise<boolean> {
    const failures = ++this.failures;
    const backoff = failures <= online ? 0 : backoffDelay(failures - online, retryMinDelayMs, retryMaxDelayMs);
    const left = deadline === undefined ? Infinity : deadline - performance.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      // no backoff: one turn of the event loop still goes between tries, so timers and sockets are never starved
      if (backoff === 0) {
        setImmediate(resolve, true);
        return;
      }
      // watchAbort: the cluster's end signal (and a caller's signal shared by many calls) gets one listener
      // however many borrows pause on it, not one each (Node warns of a leak past ten)
      const done = (more: boolean): void => {
        clearTimeout(timer);
        for (const signal of signals) if (signal !== undefined) unwatchAbort(signal, wake);
        resolve(more);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(done, Math.min(backoff, left), left > backoff);
      for (const signal of signals) {
        if (signal?.aborted === true) return done(true);
        if (signal !== undefined) watchAbort(signal, wake);
      }
    });
  }
}
