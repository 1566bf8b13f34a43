/** Codes of the errors @pool/redis itself raises (pool errors keep @pool/core's `POOL_*` codes). */
export type RedisPoolErrorCode = 'REDIS_CONNECT_FAILED' | 'REDIS_PING_FAILED' | 'REDIS_RESET_FAILED';

/**
 * An error raised by @pool/redis. The message names the server by host and port only; the
 * password never appears in it, and `cause` is a redacted copy of the driver's error.
 */
export class RedisPoolError extends Error {
  readonly code: RedisPoolErrorCode;

  constructor(code: RedisPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[@pool/redis] ${message}`, options);
    this.name = 'RedisPoolError';
    this.code = code;
  }
}

/** True when `error` is a {@link RedisPoolError}, optionally with the given code. */
export function isRedisPoolError(error: unknown, code?: RedisPoolErrorCode): error is RedisPoolError {
  if (!(error instanceof Error) || error.name !== 'RedisPoolError') return false;
  const actual = (error as { code?: unknown }).code;
  return typeof actual === 'string' && actual.startsWith('REDIS_') && (code === undefined || actual === code);
}
