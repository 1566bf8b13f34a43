/** Codes of the errors @pool/pg raises itself (pool errors keep @pool/core's `POOL_*` codes). */
export type PgPoolErrorCode = 'PG_TRANSACTION_ROLLED_BACK' | 'PG_SUBMITTABLE_NOT_SUPPORTED';

/** An error raised by @pool/pg itself. Match on `code`, not on the message. */
export class PgPoolError extends Error {
  readonly code: PgPoolErrorCode;

  constructor(code: PgPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PgPoolError';
    this.code = code;
  }
}
