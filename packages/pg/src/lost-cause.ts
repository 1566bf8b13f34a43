import type pg from 'pg';
import { stateOf } from './client-state.js';
import { withStableCode } from './error-codes.js';

const notQueryable = 'Client has encountered a connection error and is not queryable';

/**
 * pg's "Client has encountered a connection error and is not queryable" says nothing of the error: the
 * server's reason (25P03 idle_in_transaction_session_timeout, 57P01 a terminated backend) came as the
 * client's 'error' event, which a borrower who did not listen never saw (the pool keeps it from
 * crashing the process). Gives such an error that first error as `cause`, and its stable `code`
 * (POOL_CONNECTION_LOST). Returns the same error.
 */
export function withLostCause<E>(error: E, client: pg.Client): E {
  if (typeof error !== 'object' || error === null) return error;
  const record = error as { message?: unknown; cause?: unknown };
  if (typeof record.message !== 'string' || !record.message.startsWith(notQueryable) || record.cause !== undefined) return withStableCode(error);
  const first = stateOf(client)?.firstError;
  if (first !== undefined && first !== (error as unknown)) {
    try {
      Object.defineProperty(error, 'cause', { value: first, writable: true, configurable: true, enumerable: false });
    } catch {
      // frozen: left as it is
    }
  }
  return withStableCode(error);
}
