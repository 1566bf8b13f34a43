import { PoolError, type AcquireOptions } from '@pool/core';
import { raceWatched, type CallWatchdog } from '@pool/core/adapter-kit';
import type { MysqlPool } from './mysql-pool.js';
import type { MysqlPoolConnection } from './pool-connection.js';

/**
 * Runs `fn` inside START TRANSACTION ... COMMIT on one connection. When `fn` throws, rolls back and
 * rethrows; a connection whose rollback fails, or that hit a connection-level error, is destroyed.
 *
 * With the pool's frozen-server `watchdog`, the whole transaction is watched as a one-shot call is: a
 * transaction with no reply for `livenessCheckAfterMs` makes the pool check the server over another
 * connection; a live server lets it run (a lock wait, a slow statement), a silent one fails it with
 * POOL_SERVER_UNRESPONSIVE and its connection is destroyed (`fn`'s statement in flight then fails too).
 */
export async function runTransaction<T>(pool: MysqlPool, fn: (connection: MysqlPoolConnection) => Promise<T> | T, options?: AcquireOptions, watchdog?: CallWatchdog): Promise<T> {
  const connection = await pool.getConnection(options);
  const work = inTransaction(pool, connection, fn);
  if (watchdog === undefined) return work;
  // an error from the server (it has an errno) is a reply too: proof the server is alive
  return raceWatched((fail) => watchdog.watch(fail), work, (error) => connection.abandon(error), (error) => typeof (error as { errno?: unknown } | null)?.errno === 'number');
}

async function inTransaction<T>(pool: MysqlPool, connection: MysqlPoolConnection, fn: (connection: MysqlPoolConnection) => Promise<T> | T): Promise<T> {
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
