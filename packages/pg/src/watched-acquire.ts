import { acquireTrace, type AcquireOptions, type Lease, type Pool, type PoolError, type WaitPlace } from '@pool/core';
import type { CallWatchdog } from '@pool/core/adapter-kit';
import { probeWasRefused } from './server-refused.js';

/**
 * Acquires a client for `connect()`, `acquire()` and `transaction()`'s borrow, watched by the
 * frozen-server watchdog as a `pool.query`'s wait for its client is: a caller still without a client
 * after `livenessCheckAfterMs` makes the pool check the server (a login over a fresh connection), and
 * a silent server fails it with POOL_SERVER_UNRESPONSIVE (within threshold + check, ~5 s by default).
 * Without it, on a frozen server the ping of an idle client due for validation got no answer
 * (validateTimeoutMs), then the connects after it got none either, until the acquire deadline: 30 s
 * with defaults, `connectionTimeoutMillis` when set.
 *
 * A server that refuses the check (stopped, restarting) is down, not frozen: the caller waits on within
 * its deadline, watched afresh, as a `pool.query` does (the connects meet the server when it is back).
 *
 * The cut takes the caller out of the core's line (`withdraw`, which also reaches a caller held while
 * its idle client is pinged); the watchdog's error reaches it as it is, and a caller's own `signal`
 * still aborts it with POOL_ABORTED. The watch ends when the client is lent: what the borrower sends on
 * it is its own (as with pg.Pool). An idle client lent at once, with no ping, skips the watch.
 */
export function watchedAcquire<R>(core: Pool<R>, options: AcquireOptions | undefined, watchdog: CallWatchdog | undefined): Promise<Lease<R>> {
  if (watchdog === undefined) return core.acquire(options);
  // not while a tracer listens to pool:acquire (its `start`, as the core checks): tryAcquire bypasses it
  if (options === undefined && !acquireTrace.start.hasSubscribers) {
    const lease = core.tryAcquire();
    if (lease !== undefined) return Promise.resolve(lease);
  }
  const place: WaitPlace = { ticket: undefined };
  const fail = (error: PoolError): void => {
    // down or restarting, not frozen: wait on, watched afresh
    if (probeWasRefused(error)) call = watchdog.watch(fail);
    else core.withdraw(place, error);
  };
  let call = watchdog.watch(fail);
  return core.acquireWithdrawable(place, options).then(
    (lease) => {
      // a lent client need not have talked to the server (an idle one lent without a ping): no proof of life
      call.done(false);
      return lease;
    },
    (error: unknown) => {
      call.done(false);
      throw error;
    },
  );
}
