// Callers often share one AbortSignal: a request's, or a whole service's shutdown signal. One
// 'abort' listener per waiting caller would make Node print "MaxListenersExceededWarning: Possible
// EventTarget memory leak detected" past ten of them, a leak report for what is no leak. So a
// signal gets ONE listener, however many callers watch it, and that listener calls each of them.

const watchers = new WeakMap<AbortSignal, Set<() => void>>();

function notify(this: AbortSignal): void {
  const callbacks = watchers.get(this);
  if (callbacks === undefined) return;
  watchers.delete(this);
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      // the others must still run; this one's error is not lost: it surfaces as an uncaught exception,
      // as it would have from a listener of its own
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/**
 * Calls `callback` once when `signal` aborts, unless {@link unwatchAbort} comes first. Any number of
 * callers may watch one signal: it gets a single 'abort' listener. Check `signal.aborted` first: a
 * signal that has already aborted never calls back.
 */
export function watchAbort(signal: AbortSignal, callback: () => void): void {
  let callbacks = watchers.get(signal);
  if (callbacks === undefined) {
    signal.addEventListener('abort', notify, { once: true }); // first: if it throws, nothing is recorded
    callbacks = new Set();
    watchers.set(signal, callbacks);
  }
  callbacks.add(callback);
}

/** Stops watching; the signal loses its listener with its last watcher. */
export function unwatchAbort(signal: AbortSignal, callback: () => void): void {
  const callbacks = watchers.get(signal);
  if (callbacks === undefined || !callbacks.delete(callback) || callbacks.size > 0) return;
  watchers.delete(signal);
  signal.removeEventListener('abort', notify);
}
