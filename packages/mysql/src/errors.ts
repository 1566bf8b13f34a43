/** Socket and driver codes after which a mysql2 connection is gone. */
const fatalCodes = new Set([
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_PACKETS_OUT_OF_ORDER', 'PROTOCOL_ERROR',
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN',
  'ERR_SOCKET_CLOSED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'ER_NEW_ABORTING_CONNECTION', 'ER_CLIENT_INTERACTION_TIMEOUT',
  'CR_SERVER_GONE_ERROR', 'CR_SERVER_LOST',
]);

/**
 * Server and client errnos that end the session: 1053 ER_SERVER_SHUTDOWN, 1927 ER_CONNECTION_KILLED
 * (MariaDB, `KILL <id>`), 1184 ER_NEW_ABORTING_CONNECTION, 4031 ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8
 * `wait_timeout`), 2006 CR_SERVER_GONE_ERROR ("MySQL server has gone away"), 2013 CR_SERVER_LOST
 * ("Lost connection to MySQL server during query"), and the server's network errors 1153-1161 (1153
 * ER_NET_PACKET_TOO_LARGE "Got a packet bigger than 'max_allowed_packet' bytes", 1156
 * ER_NET_PACKETS_OUT_OF_ORDER, 1158-1161 read/write errors and timeouts): the server sends the error,
 * then closes the connection, so a statement sent next on it would fail with ECONNRESET.
 */
const fatalErrnos = new Set([1053, 1927, 1184, 4031, 2006, 2013, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161]);

/** Messages of dead-connection errors that mysql2 raises without a code. */
const fatalMessages = ["Can't add new command when connection is in closed state", "Can't write in closed state", 'server has gone away', 'Lost connection to'];

/**
 * True for errors after which the connection that raised them must not be reused: anything mysql2
 * marks `fatal`, socket errors (ECONNRESET, EPIPE...), PROTOCOL_CONNECTION_LOST, ER_SERVER_SHUTDOWN,
 * a killed connection, "server has gone away" (2006) and "lost connection" (2013). A statement error
 * (syntax, duplicate key, a deadlock, `KILL QUERY`) is not fatal: the connection stays usable.
 */
export function isFatalMysqlError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { fatal?: unknown; code?: unknown; errno?: unknown; message?: unknown };
  if (e.fatal === true) return true;
  if (typeof e.code === 'string' && fatalCodes.has(e.code)) return true;
  if (typeof e.errno === 'number' && fatalErrnos.has(e.errno)) return true;
  if (typeof e.message === 'string') {
    for (const fatal of fatalMessages) if (e.message.includes(fatal)) return true;
  }
  return false;
}

/**
 * True for errors that mean the server is a read-only replica (a failover happened):
 * 1290 ER_OPTION_PREVENTS_STATEMENT naming `--read-only`, and 1836 ER_READ_ONLY_MODE. The pool then
 * replaces every connection, so none keeps writing to the old primary.
 */
export function isReadOnlyMysqlError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { errno?: unknown; message?: unknown };
  if (e.errno === 1836) return true;
  return e.errno === 1290 && typeof e.message === 'string' && /read[-_]only/i.test(e.message);
}
