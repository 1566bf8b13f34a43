/** Every code a {@link TcpPoolError} can carry. Codes are stable: match on them, not on messages. */
export type TcpPoolErrorCode =
  /** The TCP connect failed (refused, unreachable, reset). `cause` is the socket error. */
  | 'TCP_CONNECT_FAILED'
  /** The TLS handshake failed: most often certificate verification. `cause` is Node's TLS error (its `code` says why). */
  | 'TCP_TLS_FAILED'
  /** Connect (and TLS handshake) did not finish within `connectTimeoutMs`. */
  | 'TCP_CONNECT_TIMEOUT'
  /** The caller's AbortSignal fired (or the pool gave up on a create). `cause` is the signal's reason. */
  | 'TCP_ABORTED'
  /** The socket ended, closed or errored before the reply was complete. */
  | 'TCP_CLOSED'
  /** A reply frame is longer than `maxFrameBytes`. The socket was destroyed. */
  | 'TCP_FRAME_TOO_LARGE'
  /** Bytes arrived that no request asked for (after a reply, or while idle). The socket is not reused. */
  | 'TCP_UNEXPECTED_DATA'
  /** The payload cannot be framed (a line payload containing the delimiter, a frame over `maxFrameBytes`). Nothing was sent. */
  | 'TCP_INVALID_PAYLOAD';

// A global symbol, so `isTcpPoolError` recognises errors from another installed copy of @pool/tcp.
const brand = Symbol.for('@pool/tcp.error');

/** An error raised by @pool/tcp. Messages name `host:port` only; they never contain TLS keys or passphrases. */
export class TcpPoolError extends Error {
  readonly code: TcpPoolErrorCode;
  /** `host:port` the error concerns, when known. */
  readonly address: string | undefined;

  constructor(code: TcpPoolErrorCode, message: string, options?: { cause?: unknown; address?: string | undefined }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'TcpPoolError';
    this.code = code;
    this.address = options?.address;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `error` is a {@link TcpPoolError} (optionally with the given code), even one from another installed copy. */
export function isTcpPoolError(error: unknown, code?: TcpPoolErrorCode): error is TcpPoolError {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[brand] !== true) return false;
  return code === undefined || (error as TcpPoolError).code === code;
}

/** The message of an unknown error, for composing our own messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
