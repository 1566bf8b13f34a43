import type { CreateErrorKind } from '@pool/core';

/**
 * Server errors that no retry will fix: 1045 ER_ACCESS_DENIED_ERROR (wrong user or password), 1044
 * ER_DBACCESS_DENIED_ERROR (no rights on the database), 1049 ER_BAD_DB_ERROR (unknown database),
 * 1251 ER_NOT_SUPPORTED_AUTH_MODE, 1698 ER_ACCESS_DENIED_NO_PASSWORD_ERROR, 1862 ER_MUST_CHANGE_PASSWORD_LOGIN,
 * 3159 ER_SECURE_TRANSPORT_REQUIRED, 1130 ER_HOST_NOT_PRIVILEGED (no account for this client host), 1129
 * ER_HOST_IS_BLOCKED (until an admin runs FLUSH HOSTS), a locked account: 4151 on MariaDB, 3118 on MySQL
 * (ER_ACCOUNT_HAS_BEEN_LOCKED; mysql2 names MariaDB's 4151 after MySQL's table, ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE,
 * so the number is what counts).
 */
const permanentErrnos = new Set([1044, 1045, 1049, 1129, 1130, 1251, 1698, 1862, 3118, 3159, 4151]);

/**
 * "No room for another connection" while the server itself is fine: 1040 ER_CON_COUNT_ERROR
 * (max_connections), 1203 ER_TOO_MANY_USER_CONNECTIONS and 1226 ER_USER_LIMIT_REACHED
 * (max_user_connections). They clear once a connection closes.
 */
const connectionLimitErrnos = new Set([1040, 1203, 1226]);

/** Node TLS verification codes: a certificate that will not start to verify on a retry. */
const tlsCodes = /^(CERT_|ERR_TLS_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)|HOSTNAME_MISMATCH|ERR_SSL_)/;

/** Driver codes of a config the driver refuses: wrong every time. */
const configCodes = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_URL', 'ERR_SOCKET_BAD_PORT', 'HANDSHAKE_NO_SSL_SUPPORT', 'HANDSHAKE_SSL_ERROR']);

/**
 * What a failed connect means for the callers waiting on it (the provider's `classifyCreateError`):
 * 'permanent' for authentication (1045, 1044, a locked account 4151/3118, a host without an account 1130
 * or blocked 1129), an unknown database (1049), TLS verification and a
 * bad config (a TypeError/RangeError from mysql2, an unresolvable host); 'busy' for a server with no
 * room (1040 too many connections, a user's limit 1203/1226): @pool/core then paces the connects
 * (100 ms doubling, at most 1 s apart) where it would probe every 25 ms while callers wait (about 70
 * refused logins in 2 s on a full server); 'transient' for everything else: ECONNREFUSED,
 * ECONNRESET, PROTOCOL_CONNECTION_LOST, ETIMEDOUT, a server shutting down or starting.
 */
export function classifyMysqlCreateError(error: unknown): CreateErrorKind {
  if (error instanceof TypeError || error instanceof RangeError) return 'permanent';
  if (typeof error !== 'object' || error === null) return 'transient';
  const e = error as { errno?: unknown; code?: unknown };
  if (typeof e.errno === 'number' && permanentErrnos.has(e.errno)) return 'permanent';
  if (typeof e.errno === 'number' && connectionLimitErrnos.has(e.errno)) return 'busy';
  if (typeof e.code === 'string' && (tlsCodes.test(e.code) || configCodes.has(e.code))) return 'permanent';
  return 'transient';
}
