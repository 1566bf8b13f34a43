/** Socket-level error codes after which a connection is gone. */
const socketCodes = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'EAI_AGAIN',
  'ERR_SOCKET_CLOSED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END',
]);

/**
 * SQLSTATEs that end the session: 57P01 admin_shutdown (pg_terminate_backend, a server restart),
 * 57P02 crash_shutdown, 57P03 cannot_connect_now, 57P05 idle_session_timeout, 25P03
 * idle_in_transaction_session_timeout. Class 08 (connection exceptions) is matched by prefix.
 */
const fatalSqlStates = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);

/** Messages node-postgres uses for a dead or unusable client (it gives these errors no code). */
const fatalMessages = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Query read timeout',
  'timeout expired',
];

/**
 * True for errors after which the client that raised them must not be reused: socket errors,
 * SQLSTATE class 08, 57P01/57P02/57P03 (and the idle-session timeouts), and node-postgres's own
 * "Connection terminated" family. A statement error (syntax, constraint, 57014 query_canceled) is not fatal.
 */
export function isFatalPgError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (socketCodes.has(code) || fatalSqlStates.has(code)) return true;
    if (code.length === 5 && code.startsWith('08')) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    for (const fatal of fatalMessages) if (message.startsWith(fatal)) return true;
  }
  return false;
}
