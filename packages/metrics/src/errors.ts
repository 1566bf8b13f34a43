/** Stable codes of {@link PoolMetricsError}. */
export type PoolMetricsErrorCode = 'METRICS_DUPLICATE_POOL' | 'METRICS_OTEL_MISSING' | 'METRICS_INVALID_OPTION';

/** An error from @pool/metrics. Match on `code`, not on the message. */
export class PoolMetricsError extends Error {
  readonly code: PoolMetricsErrorCode;

  constructor(code: PoolMetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoolMetricsError';
    this.code = code;
  }
}

/** True when `error` is a {@link PoolMetricsError}, optionally with the given code. */
export function isPoolMetricsError(error: unknown, code?: PoolMetricsErrorCode): error is PoolMetricsError {
  return error instanceof PoolMetricsError && (code === undefined || error.code === code);
}
