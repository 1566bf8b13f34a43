import { isPoolError } from '../src/errors.js';
import type { CallWatchdog } from './call-watchdog.js';

/**
 * For a {@link CallWatchdog}'s POOL_SERVER_UNRESPONSIVE: true when the liveness watch failed a call because its probe was *refused* (ECONNREFUSED, a reset, a
 * server error such as 57P03 or 53300), not because the server stayed silent (the probe timed out).
 * A refusal proves the server down or restarting, not frozen: a call still waiting for a connection
 * then keeps waiting within its own deadline (the pool's connects retry and will meet the server when
 * it is back), as a short outage must not fail callers who could have waited. A frozen server (no
 * answer at all) still fails it, since a connect to it would hang too.
 */
export function probeWasRefused(error: unknown): boolean {
  if (!isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')) return false;
  const cause = (error as { cause?: unknown }).cause;
  return typeof cause === 'object' && cause !== null && !isPoolError(cause, 'POOL_TIMEOUT');
}
