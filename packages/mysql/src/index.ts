export { mysqlProvider } from './provider.js';
export { createMysqlPool, MysqlPool, type MysqlPoolConfig } from './mysql-pool.js';
export type { Mysql2PoolOptions, MysqlPoolExtras } from './pool-options.js';
export { MysqlPoolConnection, type MysqlValues } from './pool-connection.js';
export type { CallOptions } from './call-options.js';
export type { QueryPromise } from './pool-query.js';
export type { MysqlProviderConfig } from './config.js';
export { isFatalMysqlError, isReadOnlyMysqlError } from './errors.js';
export { classifyMysqlCreateError } from './classify.js';
export { redactUrl } from '@pool/core/adapter-kit';
// what users of this adapter need from @pool/core (errors, isPoolError, types), so they need not import it themselves
export { PoolError, PoolTimeoutError, PoolOptionError, isPoolError, type PoolErrorCode, type TimeoutPhase, type Pool, type PoolOptions, type PoolStats, type PoolTotals, type AcquireOptions, type CloseOptions, type Lease, type PoolEvents, type PoolLogger } from '@pool/core';
export { createPoolCluster, PoolCluster, PoolNamespace, type PoolClusterOptions, type ClusterNodeConfig, type ClusterNodeStats, type ClusterSelector, type ClusterConnectionCallback } from './pool-cluster.js';
