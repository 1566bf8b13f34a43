/** Codes of the errors raised by @pool/pg's pooler mode and multi-host (cluster) pool. */
export type PgScaleErrorCode =
  /** `pooler: 'transaction'` refused a statement that needs a session of its own (LISTEN, SET, advisory lock...). */
  | 'PG_POOLER_SESSION_FEATURE'
  /** No host answered as the writable primary (libpq's `read-write` rule) by the caller's deadline. */
  | 'PG_NO_PRIMARY'
  /** No host matches the target session attributes asked for (e.g. `read-only` with every standby down). */
  | 'PG_NO_HOST'
  /** A host's role changed under the pool: the primary answered read-only (25006, `pg_is_in_recovery()`). */
  | 'PG_HOST_ROLE_CHANGED';

/** An error raised by @pool/pg's pooler mode or cluster pool. Match on `code`, not on the message. */
export class PgScaleError extends Error {
  readonly code: PgScaleErrorCode;
  /** The host (`host:port`) the error is about, when there is one. */
  readonly host: string | undefined;
  /** For PG_POOLER_SESSION_FEATURE: which feature (`LISTEN`, `SET`, `advisory lock`, `temporary table`, `PREPARE`, `WITH HOLD cursor`, `resetQuery`). */
  readonly feature: string | undefined;

  constructor(code: PgScaleErrorCode, message: string, options?: { cause?: unknown; host?: string; feature?: string }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'PgScaleError';
    this.code = code;
    this.host = options?.host;
    this.feature = options?.feature;
  }
}
