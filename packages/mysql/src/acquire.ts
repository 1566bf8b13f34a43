import { isPoolError, PoolError, type AcquireOptions, type Lease, type Pool } from '@pool/core';
import { watchedAcquire, type CallWatchdog } from '@pool/core/adapter-kit';
import type { Connection } from 'mysql2/promise';
import { copyError } from './error-copy.js';

/** What mysql2's pool says for the conditions @pool reports as its own PoolErrors. */
const mysql2Text: Partial<Record<string, string>> = {
  POOL_CLOSED: 'Pool is closed.',
};

/**
 * The error a caller of the drop-in sees when acquiring failed. A connect error reaches the caller as
 * mysql2's own error (class, `code`, `errno`, `sqlState`, `fatal`), as mysql2's pool gives it: the
 * pool's POOL_CREATE_FAILED / POOL_UNAVAILABLE wrappers are unwrapped to (a copy of) their `cause`. The pool's own
 * conditions stay PoolErrors and keep mysql2's message text (`Pool is closed.`, `Queue limit reached.`,
 * `No connections available.`).
 */
export function callerError(error: unknown, queueText: string): unknown {
  if (!isPoolError(error)) return error;
  const { code } = error as PoolError;
  if ((code === 'POOL_CREATE_FAILED' || code === 'POOL_UNAVAILABLE') && isDriverError((error as Error).cause)) {
    // one connect error can fail many waiting callers: each gets its own copy (its own stack, as in mysql2's pool)
    return copyError((error as Error).cause as Error);
  }
  const text = code === 'POOL_QUEUE_FULL' ? queueText : mysql2Text[code];
  if (text === undefined) return error;
  const wrapped = new PoolError(code, `${text} (${(error as Error).message})`, { cause: (error as Error).cause });
  return wrapped;
}

/** An error from mysql2 or the socket (has a string `code`), not one of the pool's own. */
function isDriverError(error: unknown): boolean {
  return error instanceof Error && !isPoolError(error) && typeof (error as { code?: unknown }).code === 'string';
}

/** How the drop-in acquires: mysql2's queue rules and its 'enqueue' event. */
export interface AcquirePolicy {
  readonly core: Pool<Connection>;
  /** mysql2's `waitForConnections`: false refuses a caller at once when every connection is busy. */
  readonly waitForConnections: boolean;
  /**
   * mysql2's `queueLimit` (0 = none): most callers waiting beyond those a connection is lent or being
   * opened for. The core pool's `maxWaiting` counts the latter too, so the adapter applies this one.
   */
  readonly queueLimit: number;
  readonly queueText: string;
  /** Announces mysql2's 'enqueue' event; `undefined` while nobody listens (no stats() per acquire then). */
  readonly onEnqueue: (() => void) | undefined;
}

/**
 * Acquires a connection. As in mysql2's pool, a caller has to queue when no connection is idle and
 * every one of `connectionLimit` is lent or promised to an earlier caller: it is then announced
 * ('enqueue'), or refused at once with `waitForConnections: false`.
 */
export function acquire(policy: AcquirePolicy, options: AcquireOptions | undefined, watchdog?: CallWatchdog): Promise<Lease<Connection>> {
  const refused = admission(policy);
  if (refused !== undefined) return Promise.reject(refused);
  // watched while it waits (a frozen server fails it by the watchdog's bound, POOL_SERVER_UNRESPONSIVE as it is)
  return watchedAcquire(policy.core, options, watchdog).catch((error: unknown) => {
    throw callerError(error, policy.queueText);
  });
}


/**
 * mysql2's queue rules for a caller about to acquire: the refusal when it would have to queue with
 * `waitForConnections: false`, else undefined (and 'enqueue' announced when it will queue). Map a
 * failed `core.acquire` after it with {@link callerError}.
 */
export function admission(policy: AcquirePolicy): PoolError | undefined {
  if (!policy.waitForConnections || policy.queueLimit > 0 || policy.onEnqueue !== undefined) {
    const stats = policy.core.stats();
    if (!stats.closed && stats.idle === 0 && stats.borrowed + stats.pending >= stats.max) {
      if (!policy.waitForConnections) {
        return new PoolError('POOL_QUEUE_FULL', `${policy.queueText} (all ${stats.max} connections are in use and waitForConnections is false)`, { pool: policy.core.name });
      }
      // as mysql2: the callers a connection is being opened for are not in its queue
      const queued = stats.borrowed + stats.pending - stats.max;
      if (policy.queueLimit > 0 && queued >= policy.queueLimit) {
        return new PoolError('POOL_QUEUE_FULL', `Queue limit reached. (${queued} callers already wait for one of ${stats.max} connections; queueLimit ${policy.queueLimit})`, { pool: policy.core.name });
      }
      policy.onEnqueue?.();
    }
  }
  return undefined;
}
