import { unwatchAbort, watchAbort } from '../src/abort-watch.js';

/** A signal that aborts when either of two does; `release()` once it is no longer needed. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  release(): void;
}

/**
 * `AbortSignal.any([a, b])` without its Node 20 leak: a signal made by `AbortSignal.any` over a
 * long-lived one (a service's shutdown signal passed to every call, a host's own signal) is retained
 * for as long as that one lives, about 1.2 KB a call (100,000 calls kept 120 MB). This one watches both
 * through {@link watchAbort} (one listener per signal, however many calls watch it) until `release()`,
 * or until either aborts. It aborts with the reason of the one that aborted first.
 */
export function linkSignals(a: AbortSignal, b: AbortSignal): LinkedSignal {
  const controller = new AbortController();
  const fromA = (): void => end(a.reason);
  const fromB = (): void => end(b.reason);
  const release = (): void => {
    unwatchAbort(a, fromA);
    unwatchAbort(b, fromB);
  };
  function end(reason: unknown): void {
    release();
    controller.abort(reason);
  }
  if (a.aborted) controller.abort(a.reason);
  else if (b.aborted) controller.abort(b.reason);
  else {
    watchAbort(a, fromA);
    watchAbort(b, fromB);
  }
  return { signal: controller.signal, release };
}
