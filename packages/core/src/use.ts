import { unwatchAbort, watchAbort } from './abort-watch.js';
import { PoolError } from './errors.js';
import type { Lease } from './lease.js';

/**
 * Runs `fn` on a lease and gives the lease back: released after success; after a failure, `settle`
 * decides (release, destroy, evict all). If `signal` aborts while `fn` runs, rejects with
 * POOL_ABORTED and destroys the resource at once, never reused: a reply still in flight can never
 * reach the next borrower, and a call that never ends cannot pin its slot.
 */
export function runOnLease<R, T>(
  lease: Lease<R>,
  fn: (resource: R, lease: Lease<R>) => T | Promise<T>,
  signal: AbortSignal | undefined,
  afterError: (lease: Lease<R>, error: unknown) => void,
  onAbort: () => void,
  pool: string,
): Promise<T> {
  let work: Promise<T>;
  try {
    work = Promise.resolve(fn(lease.resource, lease));
  } catch (error) {
    work = Promise.reject(error);
  }
  if (signal === undefined) {
    return work.then(
      (value) => {
        if (!lease.released) lease.release();
        return value;
      },
      (error: unknown) => {
        afterError(lease, error);
        throw error;
      },
    );
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      onAbort();
      // destroy now rather than when fn settles: the call may never end (a blocking command), and
      // closing the resource both frees the slot and makes the abandoned call fail
      if (!lease.released) lease.destroy(signal.reason);
      reject(new PoolError('POOL_ABORTED', 'use aborted while the resource was in use; it was destroyed', { cause: signal.reason, pool }));
    };
    if (signal.aborted) abort();
    else watchAbort(signal, abort);
    work.then(
      (value) => {
        unwatchAbort(signal, abort);
        if (aborted) return;
        if (!lease.released) lease.release();
        resolve(value);
      },
      (error: unknown) => {
        unwatchAbort(signal, abort);
        if (aborted) return;
        afterError(lease, error);
        reject(error);
      },
    );
  });
}
