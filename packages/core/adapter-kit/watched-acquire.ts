import type { AcquireOptions } from '../src/acquire-options.js';
import type { PoolError } from '../src/errors.js';
import type { Lease } from '../src/lease.js';
import type { Pool } from '../src/pool.js';
import { acquireTrace } from '../src/tracing.js';
import type { WaitPlace } from '../src/waiting-room.js';
import type { CallWatchdog } from './call-watchdog.js';
import { probeWasRefused } from './probe-refused.js';

/**
 * An acquire watched by a frozen-server watchdog while it waits, for a drop-in's `connect()` /
 * `getConnection()` and a transaction's borrow (as a one-shot call's wait for its connection is): a
 * caller still without a connection after the watchdog's threshold makes the pool check the server,
 * and a silent server fails it with POOL_SERVER_UNRESPONSIVE (within threshold + check, ~5 s by
 * default). Without it, on a frozen server the ping of an idle connection due for validation got no
 * answer (validateTimeoutMs), then the connects after it got none either, until the acquire deadline.
 *
 * A server that refuses the check (stopped, restarting) is down, not frozen: the caller waits on within
 * its deadline, watched afresh (the pool's connects meet the server when it is back).
 *
 * The cut takes the caller out of the core's line (`withdraw`, which also reaches a caller held while
 * its idle connection is pinged); the watchdog's error reaches it as it is, and a caller's own `signal`
 * still aborts it with POOL_ABORTED. The watch ends when the connection is lent: what the borrower sends
 * on it is its own (as with the drivers' pools). An idle connection lent at once, with no ping, skips the
 * watch (and its cost).
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
