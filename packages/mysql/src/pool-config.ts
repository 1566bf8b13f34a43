import mysql from 'mysql2';
import { forgetSecrets } from './config.js';
import type { Mysql2PoolValues } from './pool-options.js';

/** mysql2's `pool.config` (its `PoolConfig`): the pool options after mysql2's defaults, and `connectionConfig`. */
export interface Mysql2PoolConfig extends Mysql2PoolValues {
  /** mysql2's `ConnectionConfig` of every connection (host, port, user, database, flags...), password fields removed. */
  connectionConfig: mysql.ConnectionOptions;
}

const ConnectionConfig = (mysql as unknown as { ConnectionConfig: new (options: mysql.ConnectionOptions) => mysql.ConnectionOptions }).ConnectionConfig;

/** Builds mysql2's `pool.config` from the driver options (mysql2's own ConnectionConfig, so the same defaults). */
export function mysql2PoolConfig(driver: mysql.ConnectionOptions, values: Mysql2PoolValues): Mysql2PoolConfig {
  // a copy: ConnectionConfig writes a URI's parts into the object it is given
  const connectionConfig = new ConnectionConfig({ ...driver });
  forgetSecrets(connectionConfig);
  return { ...values, connectionConfig };
}
