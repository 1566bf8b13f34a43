import { isWsPoolError } from './errors.js';

/** Node's TLS verification failures: the certificate the server presents will not change on a retry. */
const tlsVerification = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;
/** Upgrade answers no retry fixes: credentials refused, forbidden, no such endpoint, wrong protocol. */
const refusedUpgrade = /Unexpected server response: (400|401|403|404|405|426)\b/;
/** ws's own handshake checks on a 101 answer: the server will not agree to the sub-protocols or extensions asked for on a retry either. */
const refusedNegotiation = /Server sent (no subprotocol|an invalid subprotocol|a subprotocol but none was requested|a Sec-WebSocket-Extensions header but no extension was requested)|Invalid Sec-WebSocket-Extensions header/;

/**
 * The provider's `classifyCreateError`: TLS verification failures, an upgrade refused with 401,
 * 403, 404 (and 400/405/426), and a server that will not agree to the `protocols` (or extensions)
 * asked for are `'permanent'`; refused connects, resets, timeouts, 5xx and 429 are
 * `'transient'`.
 */
export function classifyWsCreateError(error: unknown): 'transient' | 'permanent' {
  if (!isWsPoolError(error, 'WS_CONNECT_FAILED')) return 'transient';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string' && tlsVerification.test(cause.code)) return 'permanent';
  const message = typeof cause?.message === 'string' ? cause.message : error.message;
  return refusedUpgrade.test(message) || refusedNegotiation.test(message) || refusedUpgrade.test(error.message) ? 'permanent' : 'transient';
}
