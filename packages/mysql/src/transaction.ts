import { PoolError, type AcquireOptions } from '@pool/core';
import type { MysqlPool } from './mysql-pool.js';
import type { MysqlPoolConnection } from './pool-connection.js';

/**
 * Runs `fn` inside START TRANSACTION ... COMMIT on one connection. When `fn` throws, rolls back and
 * rethrows; a connection whose rollback fails, or that hit a connection-level error, is destroyed.
 */
export async function runTransaction<T>(pool: MysqlPool, fn: (connection: MysqlPoolConnection) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
  const connection = await pool.getConnection(options);
  try {
    await connection.beginTransaction();
  } catch (error) {
    connection.settle(pool.pool, error);
    throw error;
  }
  let result: T;
  try {
    result = await fn(connection);
  } catch (error) {
    if (connection.released) throw error;
    try {
      await connection.rollback();
      connection.settle(pool.pool, error);
    } catch (rollbackError) {
      connection.destroy(rollbackError);
    }
    throw error;
  }
  if (connection.released) {
    throw new PoolError('POOL_LEASE_RELEASED', 'the transaction callback released its connection before COMMIT; the transaction was rolled back, not committed', { pool: pool.pool.name });
  }
  try {
    await connection.commit();
  } catch (error) {
    connection.settle(pool.pool, error);
    throw error;
  }
  connection.release();
  return result;
}
