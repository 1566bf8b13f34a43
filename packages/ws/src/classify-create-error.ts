import { isWsPoolError } from './errors.js';

/** Node's TLS verification failures: the certificate the server presents will not change on a retry. */
const tlsVerification = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;
/** Upgrade answers no retry fixes: credentials refused, forbidden, no such endpoint, wrong protocol. */
const refusedUpgrade = /Unexpected server response: (400|401|403|404|405|426)\b/;

/**
 * The provider's `classifyCreateError`: TLS verification failures and an upgrade refused with 401,
 * 403, 404 (and 400/405/426) are `'permanent'`; refused connects, resets, timeouts, 5xx and 429 are
 * `'transient'`.
 */
export function classifyWsCreateError(error: unknown): 'transient' | 'permanent' {
  if (!isWsPoolError(error, 'WS_CONNECT_FAILED')) return 'transient';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string' && tlsVerification.test(cause.code)) return 'permanent';
  return refusedUpgrade.test(error.message) || (typeof cause?.message === 'string' && refusedUpgrade.test(cause.message)) ? 'permanent' : 'transient';
}
