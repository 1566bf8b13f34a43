import { PoolOptionError } from './errors.js';
import { describeValue } from './option-checks.js';

/** Per-acquire options. */
export interface AcquireOptions {
  /** Aborting it rejects a waiting acquire at once with POOL_ABORTED. */
  signal?: AbortSignal;
  /** This caller's whole wait; defaults to the pool's `acquireTimeoutMs`. */
  timeoutMs?: number;
  /** Higher is served first; FIFO within a priority. @default 0 */
  priority?: number;
}

/** An AbortSignal, from this realm or another (a worker, a test environment). */
function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean'
    && typeof (value as AbortSignal).addEventListener === 'function' && typeof (value as AbortSignal).removeEventListener === 'function';
}

/**
 * What is wrong with the options of one `acquire` or `use`, or undefined when nothing is. Checked
 * before any resource is taken: a bad option is refused even when an idle resource is at hand.
 */
export function invalidAcquireOptions(options: unknown): PoolOptionError | undefined {
  if (typeof options !== 'object' || options === null) {
    return new PoolOptionError('options', `Expected acquire options to be an object, got ${describeValue(options)}`);
  }
  const { timeoutMs, priority, signal } = options as Record<string, unknown>;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0))) {
    return new PoolOptionError('timeoutMs', `Expected \`timeoutMs\` to be a number > 0 (or Infinity), got ${describeValue(timeoutMs)}`);
  }
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    return new PoolOptionError('priority', `Expected \`priority\` to be a finite number, got ${describeValue(priority)}`);
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    return new PoolOptionError('signal', `Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
  }
  return undefined;
}
