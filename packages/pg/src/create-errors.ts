import { isPoolError, type CreateErrorKind } from '@pool/core';

/**
 * SQLSTATEs and codes after which retrying the same connect cannot succeed: wrong password (28P01),
 * no such role / pg_hba refusal (28000), no such database (3D000), no CONNECT privilege (42501),
 * bad startup parameter (22023, 42704), TLS certificate verification failures, and a bad config.
 */
const permanentCodes = new Set([
  '28P01', '28000', '3D000', '42501', '22023', '42704', '0A000',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_SOCKET_BAD_PORT', 'ENOTFOUND',
  'POOL_INVALID_OPTION',
]);

/** Messages of node-postgres's for a bad config (it gives them no code). */
const permanentMessages = [
  'The server does not support SSL connections',
  'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string',
  'client password must be a string',
  'SCRAM',
];

/** Errors the user's own hooks (`onConnect`, `verify`) raised: the caller sees them at once, as pg.Pool does. */
const hookErrors = new WeakSet<object>();

/** Marks an error thrown by a user hook during connect. */
export function markHookError(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) hookErrors.add(error);
  return error;
}

/**
 * The pg provider's `classifyCreateError`: permanent errors (authentication, unknown database, TLS
 * verification, a bad config, a throwing `onConnect`/`verify`) reach the callers at once; 53300 (too
 * many clients, or the slots left are reserved) is busy: retried at @pool/core's paced backoff, at
 * most 1 s apart, not every 25 ms; the rest (refused, reset, timeout, 57P03 starting up, class 08)
 * are retried.
 */
export function classifyPgCreateError(error: unknown): CreateErrorKind {
  if (typeof error !== 'object' || error === null) return 'transient';
  if (hookErrors.has(error)) return 'permanent';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && permanentCodes.has(code)) return 'permanent';
  if (code === '53300') return 'busy';
  if (error instanceof TypeError || error instanceof RangeError) return 'permanent';
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && permanentMessages.some((m) => message.startsWith(m))) return 'permanent';
  return 'transient';
}

/**
 * What a caller of the ready-made client sees for a failed acquire: when the pool failed because
 * creating a connection failed (POOL_CREATE_FAILED, POOL_UNAVAILABLE), the driver's own error,
 * with the pool's code added as `poolCode` and the pool's name as `pool`; any other pool condition
 * (waited too long, closed, queue full) stays the PoolError.
 */
export function callerError(error: unknown): unknown {
  if (!isPoolError(error)) return error;
  if (error.code !== 'POOL_CREATE_FAILED' && error.code !== 'POOL_UNAVAILABLE') return error;
  const cause = (error as { cause?: unknown }).cause;
  if (typeof cause !== 'object' || cause === null || isPoolError(cause)) return error;
  try {
    Object.defineProperty(cause, 'poolCode', { value: error.code, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(cause, 'pool', { value: error.pool, writable: true, configurable: true, enumerable: false });
  } catch {
    // a frozen error is returned as it is
  }
  return cause;
}
