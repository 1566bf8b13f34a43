/**
 * Stable `code`s on the errors the ready-made client passes on. The driver's own code wins where it
 * has one (ECONNRESET, ...); ioredis's codeless errors get one, their class and message kept:
 * - `Connection is closed.`, `Stream isn't writeable ...`, MaxRetriesPerRequestError: POOL_CONNECTION_LOST;
 * - `Command timed out` (ioredis `commandTimeout`): POOL_TIMEOUT;
 * - a server error reply (ReplyError): the reply's prefix, e.g. `WRONGTYPE`, `NOSCRIPT`, `ERR`.
 */

const lost = /^(Connection is closed\.|Stream isn't writeable)/;

function define(error: Error, code: string): void {
  try {
    Object.defineProperty(error, 'code', { value: code, writable: true, configurable: true, enumerable: true });
  } catch {
    // a frozen error keeps what it has
  }
}

/** Gives an ioredis error without a `code` its stable one (in place); any other value is returned as is. */
export function withStableCode<E>(error: E): E {
  if (!(error instanceof Error)) return error;
  if (typeof (error as { code?: unknown }).code === 'string') return error;
  if (lost.test(error.message) || error.name === 'MaxRetriesPerRequestError') define(error, 'POOL_CONNECTION_LOST');
  else if (error.message === 'Command timed out') define(error, 'POOL_TIMEOUT');
  else if (error.name === 'ReplyError') define(error, /^[A-Z][A-Z0-9_-]*/.exec(error.message)?.[0] ?? 'ERR');
  return error;
}

/**
 * True when `error` proves the command never left this process: ioredis refused to write it because
 * the connection was no longer writable (closed, half-closed, ended) before the write. Such a
 * command can be sent again on another connection; one that was written may have run.
 */
export function provesNeverSent(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Stream isn't writeable");
}
