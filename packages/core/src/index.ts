export { createPool, Pool, type AcquireOptions, type CloseOptions } from './pool.js';
export { Lease } from './lease.js';
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase } from './errors.js';
export type { ResourceProvider, CreateContext, ValidateContext } from './provider.js';
export { resolveOptions, type PoolOptions, type ResolvedOptions } from './options.js';
export { assertKnownKeys, numberOption, describeValue, type NumberRule } from './option-checks.js';
export type { PoolStats, PoolTotals } from './stats.js';
export { channels, type PoolEvents, type PoolEventName, type DestroyReason } from './events.js';
export type { PoolLogger } from './logger.js';
