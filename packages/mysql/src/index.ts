export { mysqlProvider } from './provider.js';
export { createMysqlPool, MysqlPool, type MysqlPoolConfig } from './mysql-pool.js';
export { MysqlPoolConnection, type MysqlValues } from './pool-connection.js';
export type { MysqlProviderConfig } from './config.js';
export { isFatalMysqlError, isReadOnlyMysqlError } from './errors.js';
export { redactUrl } from './redact.js';
