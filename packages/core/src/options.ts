import { PoolOptionError } from './errors.js';
import { assertKnownKeys, describeValue as describe, numberOption, type NumberRule } from './option-checks.js';

/** Options of {@link createPool}. Every duration is in milliseconds; `Infinity` turns a limit off. */
export interface PoolOptions {
  /** Resources kept warm, created at start and after losses. @default 0 */
  min?: number;
  /** Hard cap on resources (idle + borrowed + creating). @default 10 */
  max?: number;
  /** Resources to create per shortage: a number, or 'double' to double the pool (up to max). @default 1 */
  grow?: number | 'double';
  /** A caller's whole wait: queue, create and validation. @default 30000 */
  acquireTimeoutMs?: number;
  /** One create attempt; its signal aborts after this. @default 10000 */
  createTimeoutMs?: number;
  /** One destroy; after it the resource is forgotten and an 'error' event says so. @default 5000 */
  destroyTimeoutMs?: number;
  /** One validation ping. @default 5000 */
  validateTimeoutMs?: number;
  /** One reset on release. @default 5000 */
  resetTimeoutMs?: number;
  /** Idle resources above `min` are destroyed after this long unused. @default 300000 */
  idleTimeoutMs?: number;
  /** Idle resources beyond this many (and above `min`) are destroyed within about a second, least recently used first (mysql2's `maxIdle`). @default Infinity */
  maxIdle?: number;
  /** Resources are rotated when released or idle past this age. @default 1800000 */
  maxLifetimeMs?: number;
  /** Fraction of `maxLifetimeMs` taken off at random per resource, so they do not all expire at once. @default 0.1 */
  maxLifetimeJitter?: number;
  /** Resources are destroyed after this many leases. @default Infinity */
  maxUses?: number;
  /** Acquire pings a resource idle longer than this; 0 = always, Infinity = never. @default 1000 */
  validateAfterIdleMs?: number;
  /** When > 0, idle resources are pinged in the background this often. @default 0 */
  keepaliveIntervalMs?: number;
  /** Waiting callers beyond this are refused at once with POOL_QUEUE_FULL. @default Infinity */
  maxWaiting?: number;
  /** Which idle resource to reuse: 'lifo' the warmest, 'fifo' the longest idle (spreads use). @default 'lifo' */
  order?: 'lifo' | 'fifo';
  /**
   * Pacing of creates after a failure. With no caller waiting (refilling `min`), failed rounds back off
   * exponentially from `minDelayMs` to `maxDelayMs`, with jitter. While callers wait or ask, the next
   * probe starts `probeDelayMs` after the last failure, so recovery follows the server.
   * @default { minDelayMs: 100, maxDelayMs: 10000, probeDelayMs: 25 }
   */
  retry?: { minDelayMs?: number; maxDelayMs?: number; probeDelayMs?: number };
  /** When > 0, a lease held longer emits 'leak' with its acquire stack. @default 0 */
  leakDetectionMs?: number;
  /** Creates in flight at once. @default 2 */
  maxConcurrentCreates?: number;
  /**
   * Circuit breaker: once `afterFailures` rounds of creates failed in a row and the outage has lasted
   * `acquireTimeoutMs`, an acquire whose own deadline the outage has outlasted is refused at once with
   * POOL_UNAVAILABLE (its asking starts the next probe); a successful probe closes it. With
   * `untilConnected`, while no create has ever succeeded, a create error rejects at once with
   * POOL_CREATE_FAILED the waiting callers that no other create in flight can serve (as a driver's own
   * pool fails each caller whose connect failed before it ever reached the server).
   * `false` turns the breaker off. @default { afterFailures: 5, untilConnected: false }
   */
  failFast?: { afterFailures?: number; untilConnected?: boolean } | false;
  /** Used in error messages, events, stats and metrics. @default 'pool' */
  name?: string;
  /** A pino-shaped logger for lifecycle events. @default undefined */
  logger?: PoolLogger;
}

/** A pino-shaped logger: pino, bunyan, console-like objects all fit. Each method takes (object, message). */
export interface PoolLogger {
  debug(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

type NumberKey = Exclude<keyof PoolOptions, 'grow' | 'order' | 'retry' | 'failFast' | 'name' | 'logger'>;

/** Options after defaults and validation: `retry` and `failFast` flattened. */
export interface ResolvedOptions extends Required<Pick<PoolOptions, NumberKey | 'grow' | 'order' | 'name'>> {
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  retryProbeDelayMs: number;
  failFastAfter: number;
  failFastUntilConnected: boolean;
  logger: PoolLogger | undefined;
}

const count = { minimum: 0, integer: true, allowInfinity: true };
const positiveCount = { minimum: 1, integer: true, allowInfinity: true };
const duration = { minimum: 1, allowInfinity: true };
const ms = { minimum: 0 };

/** Every number option: its default and its rule (checked in this order, `max` first). */
const numbers: Record<NumberKey, [number, NumberRule]> = {
  max: [10, { minimum: 1, integer: true }], min: [0, { minimum: 0, integer: true }],
  acquireTimeoutMs: [30_000, duration], createTimeoutMs: [10_000, duration], destroyTimeoutMs: [5_000, duration],
  validateTimeoutMs: [5_000, duration], resetTimeoutMs: [5_000, duration], idleTimeoutMs: [300_000, duration],
  maxIdle: [Infinity, count], maxLifetimeMs: [1_800_000, duration], maxLifetimeJitter: [0.1, { minimum: 0, maximum: 1 }],
  maxUses: [Infinity, positiveCount], validateAfterIdleMs: [1_000, { minimum: 0, allowInfinity: true }],
  keepaliveIntervalMs: [0, ms], maxWaiting: [Infinity, count], leakDetectionMs: [0, ms], maxConcurrentCreates: [2, positiveCount],
};

const knownKeys = new Set<string>([...Object.keys(numbers), 'grow', 'order', 'name', 'retry', 'failFast', 'logger']);

/** `source[key]`, an object with only `allowed` keys, or undefined. */
function readObject(source: Record<string, unknown>, key: string, allowed: readonly string[]): Record<string, unknown> | undefined {
  const value = source[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoolOptionError(key, `Expected \`${key}\` to be an object, got ${describe(value)}`);
  }
  assertKnownKeys(value, new Set(allowed), undefined, `${key}.`);
  return value as Record<string, unknown>;
}

/** Applies defaults and checks every option, throwing {@link PoolOptionError} (POOL_INVALID_OPTION) naming the first bad key. */
export function resolveOptions(options: PoolOptions | undefined): ResolvedOptions {
  const source = (options === undefined ? {} : options) as Record<string, unknown>;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new PoolOptionError('options', `Expected options to be an object, got ${describe(options)}`);
  }
  assertKnownKeys(source, knownKeys);
  const resolved = {} as Record<NumberKey, number>;
  for (const [key, [fallback, rule]] of Object.entries(numbers) as [NumberKey, [number, NumberRule]][]) {
    resolved[key] = numberOption(source[key], key, fallback, rule);
  }
  if (resolved.min > resolved.max) throw new PoolOptionError('min', `Expected \`min\` (${resolved.min}) to be <= \`max\` (${resolved.max})`);

  if (typeof source.grow === 'string' && source.grow !== 'double') {
    throw new PoolOptionError('grow', `Expected \`grow\` to be an integer >= 1 or "double", got ${describe(source.grow)}`);
  }
  const grow = source.grow === 'double' ? 'double' : numberOption(source.grow, 'grow', 1, { minimum: 1, integer: true });
  const order = source.order ?? 'lifo';
  if (order !== 'lifo' && order !== 'fifo') throw new PoolOptionError('order', `Expected \`order\` to be "lifo" or "fifo", got ${describe(order)}`);
  const name = source.name ?? 'pool';
  if (typeof name !== 'string' || name.length === 0) throw new PoolOptionError('name', `Expected \`name\` to be a non-empty string, got ${describe(name)}`);
  const logger = source.logger as Record<string, unknown> | undefined;
  for (const level of logger === undefined ? [] : ['debug', 'info', 'warn', 'error']) {
    if (typeof logger !== 'object' || logger === null || typeof logger[level] !== 'function') {
      throw new PoolOptionError('logger', `Expected \`logger\` to have debug, info, warn and error methods (pino-shaped); \`${level}\` is missing`);
    }
  }

  const retry = readObject(source, 'retry', ['minDelayMs', 'maxDelayMs', 'probeDelayMs']) ?? {};
  const retryProbeDelayMs = numberOption(retry.probeDelayMs, 'retry.probeDelayMs', 25, ms);
  const retryMinDelayMs = numberOption(retry.minDelayMs, 'retry.minDelayMs', 100, ms);
  const retryMaxDelayMs = numberOption(retry.maxDelayMs, 'retry.maxDelayMs', 10_000, ms);
  if (retryMaxDelayMs < retryMinDelayMs) {
    throw new PoolOptionError('retry.maxDelayMs', `Expected \`retry.maxDelayMs\` (${retryMaxDelayMs}) to be >= \`retry.minDelayMs\` (${retryMinDelayMs})`);
  }

  const failFast = source.failFast === false ? { afterFailures: Infinity } : readObject(source, 'failFast', ['afterFailures', 'untilConnected']) ?? {};
  const failFastAfter = numberOption(failFast.afterFailures, 'failFast.afterFailures', 5, positiveCount);
  const failFastUntilConnected = failFast.untilConnected ?? false;
  if (typeof failFastUntilConnected !== 'boolean') {
    throw new PoolOptionError('failFast.untilConnected', `Expected \`failFast.untilConnected\` to be a boolean, got ${describe(failFastUntilConnected)}`);
  }
  // an object literal with every key, so V8 keeps all of them in the object (a spread of `n` put 22 of
  // 26 in a separate backing store, one more load per read: W3 and W4 read these on every wait)
  const n = resolved;
  return {
    min: n.min, max: n.max, grow, order, name, logger: logger as PoolLogger | undefined,
    acquireTimeoutMs: n.acquireTimeoutMs, createTimeoutMs: n.createTimeoutMs, destroyTimeoutMs: n.destroyTimeoutMs,
    validateTimeoutMs: n.validateTimeoutMs, resetTimeoutMs: n.resetTimeoutMs, idleTimeoutMs: n.idleTimeoutMs,
    maxIdle: n.maxIdle, maxLifetimeMs: n.maxLifetimeMs, maxLifetimeJitter: n.maxLifetimeJitter, maxUses: n.maxUses,
    validateAfterIdleMs: n.validateAfterIdleMs, keepaliveIntervalMs: n.keepaliveIntervalMs, maxWaiting: n.maxWaiting,
    leakDetectionMs: n.leakDetectionMs, maxConcurrentCreates: n.maxConcurrentCreates,
    retryMinDelayMs, retryMaxDelayMs, retryProbeDelayMs, failFastAfter, failFastUntilConnected,
  };
}
