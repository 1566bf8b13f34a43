export { pgProvider, type PgProvider, type PgProviderHooks } from './provider.js';
export { createPgPool, PgPool, type PgPoolClient } from './pg-pool.js';
export { resolvePgConfig, resolveSsl, type PgProviderConfig, type ResolvedPgConfig, type DirtyReleasePolicy } from './config.js';
export type { PgPoolConfig } from './pool-config.js';
export { isFatalPgError } from './is-fatal.js';
export { PgPoolError, type PgPoolErrorCode } from './errors.js';
export { beginStatement, type TransactionOptions, type IsolationLevel } from './transaction.js';
export { transactionStatus, type TransactionStatus } from './client-state.js';
export { redactUrl } from '@pool/core';
export { classifyPgCreateError } from './create-errors.js';
export { allowedKeys as pgOptionKeys } from './options.js';
export type { CallOptions } from './query-call.js';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
