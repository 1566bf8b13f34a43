export { redisProvider, type RedisProvider } from './provider.js';
export { createRedisPool, RedisPool, type RedisPoolConfig, type CallOptions, type TransactionOptions, type ExecResult, type XReadResult } from './redis-pool.js';
export { resolveConfig, type RedisProviderConfig, type ResolvedRedisConfig, type ResetPolicy } from './config.js';
export { RedisPoolError, isRedisPoolError, type RedisPoolErrorCode } from './errors.js';
export { isFatalRedisError, isFailoverRedisError } from './classify.js';
export { redactText, redactUrl, sanitizeError } from './redact.js';
