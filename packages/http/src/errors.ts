/** Every code an {@link HttpPoolError} can carry. Codes are stable: match on them, not on messages. */
export type HttpPoolErrorCode =
  /** A keep-alive connection was closed by the server as a non-idempotent request was sent on it; the request was not retried. */
  | 'HTTP_STALE_CONNECTION'
  /** Every origin is marked down (failing health checks or connects), so the request was not sent. */
  | 'HTTP_NO_ORIGIN'
  /** The pooled connection's socket closed before the request could be written; the request was never sent. */
  | 'HTTP_CONNECTION_CLOSED'
  /** A health check answered with an unexpected status or failed. */
  | 'HTTP_HEALTH_CHECK_FAILED';

// A global symbol, so `isHttpPoolError` recognises errors from another installed copy of @pool/http.
const brand = Symbol.for('@pool/http.error');

/** An error raised by @pool/http itself (undici's own errors pass through unchanged). Messages never contain passwords. */
export class HttpPoolError extends Error {
  readonly code: HttpPoolErrorCode;
  /** The origin the error concerns, with any password replaced by `***`. */
  readonly origin: string | undefined;

  constructor(code: HttpPoolErrorCode, message: string, options?: { cause?: unknown; origin?: string }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'HttpPoolError';
    this.code = code;
    this.origin = options?.origin;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `error` is an {@link HttpPoolError} (optionally with the given code), even from another installed copy. */
export function isHttpPoolError(error: unknown, code?: HttpPoolErrorCode): error is HttpPoolError {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[brand] !== true) return false;
  return code === undefined || (error as HttpPoolError).code === code;
}
