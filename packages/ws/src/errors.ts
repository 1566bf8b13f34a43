/** Every code a {@link WsPoolError} can carry. Codes are stable: match on them, not on messages. */
export type WsPoolErrorCode =
  /** The connection or the opening handshake failed (refused, TLS, a non-101 answer such as 401). `cause` is ws's error. */
  | 'WS_CONNECT_FAILED'
  /** The opening handshake did not finish within `handshakeTimeoutMs`. */
  | 'WS_HANDSHAKE_TIMEOUT'
  /** The caller's AbortSignal fired (or the pool gave up on a create). `cause` is the signal's reason. */
  | 'WS_ABORTED'
  /** The WebSocket closed (or errored) while a ping or a request was waiting. `closeCode` says how. */
  | 'WS_CLOSED'
  /** No pong to the validation ping before the check was cut short. */
  | 'WS_PING_TIMEOUT'
  /** The request message is not a JSON-serialisable object. Nothing was sent. */
  | 'WS_INVALID_MESSAGE';

// A global symbol, so `isWsPoolError` recognises errors from another installed copy of @pool/ws.
const brand = Symbol.for('@pool/ws.error');

/** An error raised by @pool/ws. Its message and `url` never contain credentials: passwords and tokens are replaced by `***`. */
export class WsPoolError extends Error {
  readonly code: WsPoolErrorCode;
  /** The endpoint, redacted. */
  readonly url: string | undefined;
  /** For WS_CLOSED: the close code the connection ended with (1006 = abnormal). */
  readonly closeCode: number | undefined;

  constructor(code: WsPoolErrorCode, message: string, options?: { cause?: unknown; url?: string | undefined; closeCode?: number | undefined }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'WsPoolError';
    this.code = code;
    this.url = options?.url;
    this.closeCode = options?.closeCode;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `error` is a {@link WsPoolError} (optionally with the given code), even one from another installed copy. */
export function isWsPoolError(error: unknown, code?: WsPoolErrorCode): error is WsPoolError {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[brand] !== true) return false;
  return code === undefined || (error as WsPoolError).code === code;
}

/** The message of an unknown error, for composing our own. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
