import { describeValue, PoolOptionError, type AcquireOptions } from '@pool/core';

/** Per-call options of the pool's `query`/`execute` (the third argument). */
export interface CallOptions extends AcquireOptions {
  /**
   * A deadline for the statement itself, after the connection was acquired: on expiry the call rejects
   * with POOL_TIMEOUT (phase 'query') and the connection is destroyed, never reused. Overrides the
   * pool's `queryTimeoutMs`; `Infinity` turns it off for this call.
   */
  queryTimeoutMs?: number;
  /** Send this read to a replica (least outstanding work among the healthy ones; the primary when none is). Needs `replicas`. */
  readOnly?: boolean;
}

export type Callback = (error: unknown, rows?: unknown, fields?: unknown) => void;

/** The arguments of `query`/`execute` in every form mysql2 accepts, plus @pool's per-call options. */
export interface CallArguments {
  sql: unknown;
  values: unknown;
  options: CallOptions | undefined;
  callback: Callback | undefined;
}

/**
 * Reads `(sql)`, `(sql, cb)`, `(sql, values)`, `(sql, values, cb)`, `(sql, values, options)` and
 * `(sql, values, options, cb)`; a callback is always the last argument, as in mysql2.
 */
export function readCallArguments(sql: unknown, rest: readonly unknown[]): CallArguments {
  let n = rest.length;
  const callback = n > 0 && typeof rest[n - 1] === 'function' ? rest[--n] as Callback : undefined;
  const values = n > 0 ? rest[0] : undefined;
  const options = n > 1 ? rest[1] : undefined;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new PoolOptionError('options', `Expected the third argument to be call options ({ signal, timeoutMs, queryTimeoutMs }) or a callback, got ${describeValue(options)}`);
  }
  const queryTimeoutMs = (options as CallOptions | undefined)?.queryTimeoutMs;
  if (queryTimeoutMs !== undefined && (typeof queryTimeoutMs !== 'number' || !(queryTimeoutMs > 0))) {
    throw new PoolOptionError('queryTimeoutMs', `Expected \`queryTimeoutMs\` to be a number > 0 (or Infinity), got ${describeValue(queryTimeoutMs)}`);
  }
  const readOnly = (options as CallOptions | undefined)?.readOnly;
  if (readOnly !== undefined && typeof readOnly !== 'boolean') {
    throw new PoolOptionError('readOnly', `Expected \`readOnly\` to be a boolean, got ${describeValue(readOnly)}`);
  }
  return new ReadArguments(sql, values, options as CallOptions | undefined, callback);
}

// a class, not an object literal: V8 pretenures a literal's allocation site once most of its objects
// outlive a scavenge (a burst of callers waiting for connections), and old-space call arguments then
// kept every later call's objects alive until the next full GC
class ReadArguments implements CallArguments {
  constructor(
    readonly sql: unknown,
    readonly values: unknown,
    readonly options: CallOptions | undefined,
    readonly callback: Callback | undefined,
  ) {}
}

/** The acquire part of call options (without `queryTimeoutMs`). */
export function acquireOptionsOf(options: CallOptions | undefined): AcquireOptions | undefined {
  if (options === undefined || (options.queryTimeoutMs === undefined && options.readOnly === undefined)) return options;
  const { queryTimeoutMs: _, readOnly: __, ...rest } = options;
  return rest;
}
