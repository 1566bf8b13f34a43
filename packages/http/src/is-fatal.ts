// Error codes after which the connection that raised them cannot be trusted again.
const fatalCodes = new Set([
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_INFO', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  'HTTP_CONNECTION_CLOSED', 'HTTP_STALE_CONNECTION',
]);

// Errors that mean the socket closed under a request (the keep-alive race, or the server going away).
const socketClosedCodes = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** True for connection-level errors: the connection that raised one is destroyed, never reused. */
export function isFatalHttpError(error: unknown): boolean {
  return fatalCodes.has(codeOf(error) as string);
}

/** True when the socket closed under the request (`other side closed`, ECONNRESET, EPIPE). */
export function isSocketClosedError(error: unknown): boolean {
  return socketClosedCodes.has(codeOf(error) as string);
}
