/**
 * ioredis sends `SELECT <db>` in its handshake and, when the server refuses it (`ERR DB index is out
 * of range`: the server has fewer databases), only emits the error as an 'error' event: `connect()`
 * still resolves and the connection works in db 0. A pool connection there would read and write
 * another database than the one configured, silently, on every borrow; such a connect fails instead
 * (REDIS_CONNECT_FAILED, classified permanent).
 */

/** True when `error`, emitted by ioredis during the handshake, is the refusal of its `SELECT`. */
export function isHandshakeSelectRefusal(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  const command = (error as { command?: { name?: unknown } }).command;
  return typeof command?.name === 'string' && command.name.toLowerCase() === 'select';
}
