/**
 * True when `error` proves the statement never left the client: mysql2 refused to queue it on a
 * connection that had already failed ("Can't add new command when connection is in closed state",
 * raised before anything is written). Only then may a one-shot call be retried on another
 * connection; a socket error after the write (ECONNRESET, PROTOCOL_CONNECTION_LOST) may mean the
 * statement ran, so it is never retried.
 */
export function provesNeverSent(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  if (e.code === 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR' || e.code === 'PROTOCOL_ENQUEUE_AFTER_QUIT') return true;
  return typeof e.message === 'string' && e.message.startsWith("Can't add new command when connection is in closed state");
}
