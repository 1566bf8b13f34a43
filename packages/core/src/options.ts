import { PoolOptionError } from './errors.js';
import { assertKnownKeys, describeValue as describe, numberOption, type NumberRule } from './option-checks.js';
import type { PoolLogger } from './logger.js';

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
   * `untilConnected`, while no create has ever succeeded, any create error rejects the waiting callers
   * at once with POOL_CREATE_FAILED (as a driver's own pool does before it reached the server).
   * `false` turns the breaker off. @default { afterFailures: 5, untilConnected: false }
   */
  failFast?: { afterFailures?: number; untilConnected?: boolean } | false;
  /** Used in error messages, events, stats and metrics. @default 'pool' */
  name?: string;
  /** A pino-shaped logger for lifecycle events. @default undefined */
  logger?: PoolLogger;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  min: number;
  max: number;
  grow: number | 'double';
  acquireTimeoutMs: number;
  createTimeoutMs: number;
  destroyTimeoutMs: number;
  validateTimeoutMs: number;
  resetTimeoutMs: number;
  idleTimeoutMs: number;
  maxIdle: number;
  maxLifetimeMs: number;
  maxLifetimeJitter: number;
  maxUses: number;
  validateAfterIdleMs: number;
  keepaliveIntervalMs: number;
  maxWaiting: number;
  order: 'lifo' | 'fifo';
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  retryProbeDelayMs: number;
  leakDetectionMs: number;
  maxConcurrentCreates: number;
  failFastAfter: number;
  failFastUntilConnected: boolean;
  name: string;
  logger: PoolLogger | undefined;
}

const defaults = {
  min: 0, max: 10, grow: 1,
  acquireTimeoutMs: 30_000, createTimeoutMs: 10_000, destroyTimeoutMs: 5_000, validateTimeoutMs: 5_000, resetTimeoutMs: 5_000,
  idleTimeoutMs: 300_000, maxIdle: Infinity, maxLifetimeMs: 1_800_000, maxLifetimeJitter: 0.1, maxUses: Infinity,
  validateAfterIdleMs: 1_000, keepaliveIntervalMs: 0, maxWaiting: Infinity, order: 'lifo',
  leakDetectionMs: 0, maxConcurrentCreates: 2, name: 'pool',
} as const;

const knownKeys = new Set<string>([...Object.keys(defaults), 'retry', 'failFast', 'logger']);

/** A number option of `source`; `label` names it in errors (a nested key). */
function readNumber(source: Record<string, unknown>, key: string, fallback: number, rule: NumberRule, label = key): number {
  return numberOption(source[key], label, fallback, rule);
}

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
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PoolOptionError('options', `Expected options to be an object, got ${describe(options)}`);
  }
  const source = options as Record<string, unknown>;
  assertKnownKeys(source, knownKeys);
  const int = { minimum: 0, integer: true };
  const duration = { minimum: 0, allowInfinity: true };
  const positiveDuration = { minimum: 1, allowInfinity: true };

  const max = readNumber(source, 'max', defaults.max, { minimum: 1, integer: true });
  const min = readNumber(source, 'min', defaults.min, int);
  if (min > max) throw new PoolOptionError('min', `Expected \`min\` (${min}) to be <= \`max\` (${max})`);

  let grow: number | 'double' = defaults.grow;
  if (source.grow === 'double') grow = 'double';
  else if (source.grow !== undefined) {
    if (typeof source.grow === 'string') throw new PoolOptionError('grow', `Expected \`grow\` to be an integer >= 1 or "double", got ${describe(source.grow)}`);
    grow = readNumber(source, 'grow', defaults.grow, { minimum: 1, integer: true });
  }

  const order = source.order ?? defaults.order;
  if (order !== 'lifo' && order !== 'fifo') throw new PoolOptionError('order', `Expected \`order\` to be "lifo" or "fifo", got ${describe(order)}`);

  const name = source.name ?? defaults.name;
  if (typeof name !== 'string' || name.length === 0) throw new PoolOptionError('name', `Expected \`name\` to be a non-empty string, got ${describe(name)}`);

  const logger = source.logger;
  if (logger !== undefined) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof logger !== 'object' || logger === null || typeof (logger as Record<string, unknown>)[level] !== 'function') {
        throw new PoolOptionError('logger', `Expected \`logger\` to have debug, info, warn and error methods (pino-shaped); \`${level}\` is missing`);
      }
    }
  }

  const retry = readObject(source, 'retry', ['minDelayMs', 'maxDelayMs', 'probeDelayMs']) ?? {};
  const retryProbeDelayMs = readNumber(retry, 'probeDelayMs', 25, { minimum: 0 }, 'retry.probeDelayMs');
  const retryMinDelayMs = readNumber(retry, 'minDelayMs', 100, { minimum: 0 }, 'retry.minDelayMs');
  const retryMaxDelayMs = readNumber(retry, 'maxDelayMs', 10_000, { minimum: 0 }, 'retry.maxDelayMs');
  if (retryMaxDelayMs < retryMinDelayMs) {
    throw new PoolOptionError('retry.maxDelayMs', `Expected \`retry.maxDelayMs\` (${retryMaxDelayMs}) to be >= \`retry.minDelayMs\` (${retryMinDelayMs})`);
  }

  let failFastAfter = 5;
  let failFastUntilConnected = false;
  if (source.failFast === false) failFastAfter = Infinity;
  else if (source.failFast !== undefined) {
    const failFast = readObject(source, 'failFast', ['afterFailures', 'untilConnected']) ?? {};
    failFastAfter = readNumber(failFast, 'afterFailures', 5, { minimum: 1, integer: true, allowInfinity: true }, 'failFast.afterFailures');
    const untilConnected = failFast.untilConnected ?? false;
    if (typeof untilConnected !== 'boolean') throw new PoolOptionError('failFast.untilConnected', `Expected \`failFast.untilConnected\` to be a boolean, got ${describe(untilConnected)}`);
    failFastUntilConnected = untilConnected;
  }

  return {
    min, max, grow, order, name, logger: logger as PoolLogger | undefined,
    acquireTimeoutMs: readNumber(source, 'acquireTimeoutMs', defaults.acquireTimeoutMs, positiveDuration),
    createTimeoutMs: readNumber(source, 'createTimeoutMs', defaults.createTimeoutMs, positiveDuration),
    destroyTimeoutMs: readNumber(source, 'destroyTimeoutMs', defaults.destroyTimeoutMs, positiveDuration),
    validateTimeoutMs: readNumber(source, 'validateTimeoutMs', defaults.validateTimeoutMs, positiveDuration),
    resetTimeoutMs: readNumber(source, 'resetTimeoutMs', defaults.resetTimeoutMs, positiveDuration),
    idleTimeoutMs: readNumber(source, 'idleTimeoutMs', defaults.idleTimeoutMs, positiveDuration),
    maxIdle: readNumber(source, 'maxIdle', defaults.maxIdle, { minimum: 0, integer: true, allowInfinity: true }),
    maxLifetimeMs: readNumber(source, 'maxLifetimeMs', defaults.maxLifetimeMs, positiveDuration),
    maxLifetimeJitter: readNumber(source, 'maxLifetimeJitter', defaults.maxLifetimeJitter, { minimum: 0, maximum: 1 }),
    maxUses: readNumber(source, 'maxUses', defaults.maxUses, { minimum: 1, integer: true, allowInfinity: true }),
    validateAfterIdleMs: readNumber(source, 'validateAfterIdleMs', defaults.validateAfterIdleMs, duration),
    keepaliveIntervalMs: readNumber(source, 'keepaliveIntervalMs', defaults.keepaliveIntervalMs, { minimum: 0 }),
    maxWaiting: readNumber(source, 'maxWaiting', defaults.maxWaiting, { minimum: 0, integer: true, allowInfinity: true }),
    leakDetectionMs: readNumber(source, 'leakDetectionMs', defaults.leakDetectionMs, { minimum: 0 }),
    maxConcurrentCreates: readNumber(source, 'maxConcurrentCreates', defaults.maxConcurrentCreates, { minimum: 1, integer: true, allowInfinity: true }),
    retryMinDelayMs, retryMaxDelayMs, retryProbeDelayMs, failFastAfter, failFastUntilConnected,
  };
}
