/** Every code a pool error can carry. Codes are stable: match on them, not on messages. */
export type PoolErrorCode =
  | 'POOL_TIMEOUT'
  | 'POOL_CLOSED'
  | 'POOL_QUEUE_FULL'
  | 'POOL_CREATE_FAILED'
  | 'POOL_ABORTED'
  | 'POOL_LEASE_RELEASED'
  | 'POOL_INVALID_OPTION'
  | 'POOL_UNAVAILABLE'
  | 'POOL_VALIDATE_FAILED'
  | 'POOL_DESTROY_FAILED'
  | 'POOL_RESET_FAILED'
  /** A call had no reply and the server did not answer a liveness check over another connection. */
  | 'POOL_SERVER_UNRESPONSIVE'
  /** The connection closed under a call (or before it) and the driver's error carried no code. */
  | 'POOL_CONNECTION_LOST';

/** The step a {@link PoolTimeoutError} ran out of time in. */
export type TimeoutPhase = 'acquire' | 'create' | 'validate' | 'destroy' | 'reset' | 'close' | 'query';

// A global symbol, so `isPoolError` recognises errors from another installed copy of @pool/core.
const brand = Symbol.for('@pool/core.error');

/** The base class of every error @pool/core throws or emits. */
export class PoolError extends Error {
  readonly code: PoolErrorCode;
  /** The pool's `name` option, when the error came from a pool. */
  readonly pool: string | undefined;
  /** The message without the `[pool]` prefix. */
  readonly detail: string;
  /**
   * On POOL_CREATE_FAILED: true when the provider classified the create error as permanent (bad
   * password, unknown database: retrying will not help), false when it was transient.
   */
  declare readonly permanent?: boolean;

  constructor(code: PoolErrorCode, message: string, options?: { cause?: unknown; pool?: string | undefined; permanent?: boolean }) {
    super(options?.pool ? `[${options.pool}] ${message}` : message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'PoolError';
    this.code = code;
    this.pool = options?.pool;
    this.detail = message;
    if (options?.permanent !== undefined) (this as { permanent?: boolean }).permanent = options.permanent;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** An error's message for another message: a pool error's without its `[pool]` prefix. */
export function messageOf(error: unknown): string {
  if (error instanceof PoolError) return error.detail;
  return error instanceof Error ? error.message : String(error);
}

/** A deadline passed. `phase` says which step was waiting; `cause` keeps the last create error, if any. */
export class PoolTimeoutError extends PoolError {
  readonly phase: TimeoutPhase;
  readonly elapsedMs: number;

  constructor(phase: TimeoutPhase, elapsedMs: number, message: string, options?: { cause?: unknown; pool?: string | undefined }) {
    super('POOL_TIMEOUT', message, options);
    this.name = 'PoolTimeoutError';
    this.phase = phase;
    this.elapsedMs = elapsedMs;
  }
}

/** An option was missing, of the wrong type or out of range. `option` names it. */
export class PoolOptionError extends PoolError {
  readonly option: string;

  constructor(option: string, message: string) {
    super('POOL_INVALID_OPTION', message);
    this.name = 'PoolOptionError';
    this.option = option;
  }
}

/**
 * True when `error` is a @pool/core error (optionally with the given code), even one thrown by a
 * different installed copy of the package.
 */
export function isPoolError(error: unknown, code?: PoolErrorCode): error is PoolError {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[brand] !== true) return false;
  return code === undefined || (error as PoolError).code === code;
}
