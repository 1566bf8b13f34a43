export { redisProvider, type RedisProvider } from './provider.js';
export { createRedisPool, RedisPool, DEFAULT_QUERY_TIMEOUT_MS, type RedisPoolConfig, type CallOptions, type TransactionOptions, type ExecResult, type XReadResult, type XReadBufferResult, type XReadStreams } from './redis-pool.js';
export { resolveConfig, type RedisProviderConfig, type ResolvedRedisConfig, type ResetPolicy } from './config.js';
export { RedisPoolError, isRedisPoolError, type RedisPoolErrorCode } from './errors.js';
export { isFatalRedisError, isFailoverRedisError, classifyRedisCreateError } from './classify.js';
export { withStableCode, provesNeverSent } from './error-codes.js';
export { providerOptionKeys, clientOptionKeys } from './option-keys.js';
export { redactUrl, scrubText, scrubError } from '@pool/core/adapter-kit';
export { PoolTimeoutError, isPoolError } from '@pool/core';
export { sentinelProvider, type SentinelRedisProvider } from './sentinel-provider.js';
export type { RedisSentinelOptions, SentinelRole } from './sentinel-config.js';
export { RedisTopologyError, isRedisTopologyError, type RedisTopologyErrorCode } from './topology-errors.js';
export { keySlot, crc16, SLOT_COUNT } from './slot.js';
export type { NodeAddress } from './node-address.js';
export { createRedisClusterPool, RedisClusterPool, type ClusterTransactionOptions } from './cluster-pool.js';
export type { RedisClusterPoolConfig } from './cluster-config.js';
export type { ClusterPoolStats } from './cluster-stats.js';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolOptionError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
