/**
 * node-postgres raises some errors without a `code`. The ready-made client gives each a stable one,
 * added to the driver's own error object (class and message kept):
 * - a connection that closed under a call, or a client already broken before it: `POOL_CONNECTION_LOST`;
 * - pg's own timeouts (`query_timeout`'s "Query read timeout", the connect timeout): `POOL_TIMEOUT`.
 */
const lostMessages = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];
const timeoutMessages = ['Query read timeout', 'timeout expired', 'Connection terminated due to connection timeout'];

/** Adds a `code` to a codeless driver error the pool recognises; returns the same error. */
export function withStableCode<E>(error: E): E {
  if (typeof error !== 'object' || error === null) return error;
  const record = error as { code?: unknown; message?: unknown };
  if (record.code !== undefined && record.code !== null) return error;
  const message = typeof record.message === 'string' ? record.message : '';
  let code: string | undefined;
  if (timeoutMessages.some((m) => message.startsWith(m))) code = 'POOL_TIMEOUT';
  else if (lostMessages.some((m) => message.startsWith(m))) code = 'POOL_CONNECTION_LOST';
  if (code !== undefined) {
    try {
      Object.defineProperty(error, 'code', { value: code, writable: true, configurable: true, enumerable: true });
    } catch {
      // frozen: nothing to add
    }
  }
  return error;
}
