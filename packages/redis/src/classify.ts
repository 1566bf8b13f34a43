/**
 * Error classes for the pool: which errors mean "this connection is finished" (isFatal) and which
 * mean "every connection points at the wrong server" (isFailover).
 */

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : '';
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * True for connection-level errors: the socket closed or failed, a command timed out with its reply
 * still owed (the next reply read would belong to it), the client is not writable. A Redis error
 * reply (ReplyError: WRONGTYPE, a script error, ...) leaves the connection in sync and is not fatal.
 */
export function isFatalRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isReplyError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTCONN|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ERR_STREAM_DESTROYED|ERR_SOCKET_CLOSED)$/.test(code)) return true;
  const message = error.message;
  return (
    message === 'Connection is closed.' ||
    message.startsWith("Stream isn't writeable") ||
    message === 'Command timed out' ||
    error.name === 'MaxRetriesPerRequestError'
  );
}

/**
 * True when the server says it is no longer the primary: `READONLY You can't write against a read
 * only replica` (a failover demoted it), or `UNBLOCKED ... instance state changed` sent to clients
 * blocked when the primary turned into a replica. The pool then evicts every connection.
 */
export function isFailoverRedisError(error: unknown): boolean {
  if (!isReplyError(error)) return false;
  const message = messageOf(error);
  return message.startsWith('READONLY') || (message.startsWith('UNBLOCKED') && /state changed/i.test(message));
}
