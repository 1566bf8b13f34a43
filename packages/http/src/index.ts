export { createHttpPool, HttpPool, type HttpPoolOptions, type OriginChange } from './http-pool.js';
export { httpProvider, type HttpProvider, type HttpProviderOptions, type HttpClientOptions } from './provider.js';
export { HttpConnection } from './connection.js';
export type { HttpPoolStats } from './undici-stats.js';
export { HttpPoolError, isHttpPoolError, type HttpPoolErrorCode } from './errors.js';
export type { HealthCheckOptions } from './health-check.js';
export type { FailoverOptions, OriginStatus } from './origin-types.js';
export { redactUrl, scrubText, scrubError } from '@pool/core/adapter-kit';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
