import { isTcpPoolError } from './errors.js';

/** Node's TLS verification failures: the certificate the server presents will not change on a retry. */
const tlsVerification = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/**
 * The provider's `classifyCreateError`: a TLS handshake refused for certificate verification is
 * `'permanent'` (callers get it at once instead of waiting out retries); refused, reset, timeouts
 * and everything else are `'transient'`.
 */
export function classifyTcpCreateError(error: unknown): 'transient' | 'permanent' {
  if (!isTcpPoolError(error, 'TCP_TLS_FAILED')) return 'transient';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && tlsVerification.test(code) ? 'permanent' : 'transient';
}
