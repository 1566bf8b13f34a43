import { PoolTimeoutError, unwatchAbort, watchAbort } from '@pool/core';
import { isHttpPoolError } from './errors.js';
import type { OriginState } from './origin-state.js';

// A request that found no origin up waits for a probe of the down ones (Exchange.awaitProbe).

/**
 * The error worth reporting for an origin that gave no connection: when its acquire was withdrawn
 * because the origin went down, the reason it went down (`connect ECONNREFUSED ...`).
 */
export function routeCause(error: unknown): Error {
  if (isHttpPoolError(error, 'HTTP_NO_ORIGIN') && error.cause instanceof Error) return error.cause;
  return toError(error);
}

/** Resolves once one of `origins` is up; rejects with the last probe's error when none came up. */
export function firstUp(origins: OriginState[]): Promise<void> {
  if (origins.length === 1) return (origins[0] as OriginState).demand();
  return Promise.any(origins.map((origin) => origin.demand())).catch((error: unknown) => {
    throw error instanceof AggregateError ? error.errors[error.errors.length - 1] : error;
  });
}

/**
 * `firstUp(origins)` within the request's deadline: the smallest `pool.acquireTimeoutMs` of those
 * origins, less the `waitedMs` it already waited for a connection elsewhere. Waiting for a probe is waiting for a connection: a probe that hangs (a
 * health check never answered: `validateTimeoutMs`; a connect that hangs: `createTimeoutMs`) held the
 * request until the probe's own deadline (5 s with `acquireTimeoutMs: 300`), or indefinitely with
 * the connect timeout off. At the deadline it rejects with a POOL_TIMEOUT (the probes go on).
 */
export function firstUpWithin(origins: OriginState[], waitedMs: number): Promise<void> {
  const waiting = firstUp(origins);
  let timeoutMs = Infinity;
  for (const origin of origins) timeoutMs = Math.min(timeoutMs, origin.pool.options.acquireTimeoutMs);
  const leftMs = Math.max(0, timeoutMs - waitedMs);
  if (timeoutMs === Infinity) return waiting;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new PoolTimeoutError('acquire', timeoutMs, `no origin came back within ${timeoutMs} ms (pool.acquireTimeoutMs): the probes of ${origins.map((origin) => origin.display).join(', ')} are still running`));
    }, Math.min(leftMs, 2 ** 31 - 1));
    waiting.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * `promise`, or a rejection with the signal's reason as soon as it aborts. Watched through core's
 * watchAbort: requests sharing one signal (a service's shutdown signal) add one listener to it, not one each.
 */
export function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    watchAbort(signal, onAbort);
    promise.then(resolve, reject).finally(() => unwatchAbort(signal, onAbort));
  });
}

/** `value` as an Error (a thrown non-Error wrapped). */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
