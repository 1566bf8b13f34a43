import { createPool, defaultPoolName, PoolError, poolSource, type PoolSource, type AcquireOptions, type CloseOptions, type Pool, type PoolOptions, type PoolStats } from '@pool/core';
import type { FieldPacket, QueryOptions, QueryResult } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import type { MysqlProviderConfig } from './config.js';
import { MysqlPoolConnection, type MysqlValues } from './pool-connection.js';
import { captureCallSite } from './call-site.js';
import { mysqlProvider } from './provider.js';
import { runStatement } from './statement.js';

/** Options of {@link createMysqlPool}: the connection options, plus `pool` for @pool/core's options. */
export interface MysqlPoolConfig extends MysqlProviderConfig {
  /** @pool/core pool options (min, max, timeouts...). `name` defaults to `mysql:host:port/database` (numbered when taken). */
  pool?: PoolOptions;
}

/**
 * A pooled MySQL/MariaDB client on @pool/core: `query`, `execute`, `getConnection()`,
 * `transaction(fn)`, `end()`, `stats()`. Connections are pinged (COM_PING) when they sat idle past
 * `validateAfterIdleMs`, rolled back on release if a transaction was left open, and destroyed after
 * a connection-level error.
 */
export class MysqlPool implements AsyncDisposable, PoolSource {
  /** The underlying @pool/core pool: events (`on('error')`...), `resize`, `pause`, `evictAll`. */
  readonly pool: Pool<Connection>;

  /** mysql2's `trace` option (default true): errors of `query`/`execute` carry the caller's stack. */
  private readonly trace: boolean;

  constructor(config: MysqlPoolConfig | string) {
    const { pool: poolOptions, ...connection } = typeof config === 'string' ? { uri: config } : config;
    this.pool = createPool(mysqlProvider(connection), { ...poolOptions, name: defaultPoolName(poolOptions?.name, whereName(connection.uri, connection.host, connection.port, connection.database)) });
    this.trace = typeof config === 'string' || config.trace !== false;
  }

  /** The @pool/core pool, for @pool/metrics and tracers. */
  [poolSource](): ReadonlyArray<Pool<unknown>> {
    return [this.pool as Pool<unknown>];
  }

  /** One text-protocol query on a pooled connection. Resolves `[rows, fields]` like mysql2's pool. */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: AcquireOptions): Promise<[T, FieldPacket[]]> {
    if (options !== undefined && options.signal !== undefined) return this.pool.use((connection) => connection.query<T>(sql as string, values as never), options);
    return runStatement(this.pool, 'query', sql, values, this.trace ? captureCallSite(MysqlPool.prototype.query) : undefined, options);
  }

  /** One prepared statement on a pooled connection; each connection prepares a statement once and reuses it. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues, options?: AcquireOptions): Promise<[T, FieldPacket[]]> {
    if (options !== undefined && options.signal !== undefined) return this.pool.use((connection) => connection.execute<T>(sql as string, values as never), options);
    return runStatement(this.pool, 'execute', sql, values, this.trace ? captureCallSite(MysqlPool.prototype.execute) : undefined, options);
  }

  /** Borrows a connection; give it back with `release()` or `await using`. */
  async getConnection(options?: AcquireOptions): Promise<MysqlPoolConnection> {
    return new MysqlPoolConnection(await this.pool.acquire(options));
  }

  /**
   * Runs `fn` inside START TRANSACTION ... COMMIT on one connection. When `fn` throws, rolls back and
   * rethrows; a connection whose rollback fails, or that hit a connection-level error, is destroyed.
   */
  async transaction<T>(fn: (connection: MysqlPoolConnection) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    const connection = await this.getConnection(options);
    try {
      await connection.beginTransaction();
    } catch (error) {
      connection.settle(this.pool, error);
      throw error;
    }
    let result: T;
    try {
      result = await fn(connection);
    } catch (error) {
      if (connection.released) throw error;
      try {
        await connection.rollback();
        connection.settle(this.pool, error);
      } catch (rollbackError) {
        connection.destroy(rollbackError);
      }
      throw error;
    }
    if (connection.released) {
      throw new PoolError('POOL_LEASE_RELEASED', 'the transaction callback released its connection before COMMIT; the transaction was rolled back, not committed', { pool: this.pool.name });
    }
    try {
      await connection.commit();
    } catch (error) {
      connection.settle(this.pool, error);
      throw error;
    }
    connection.release();
    return result;
  }

  /** Sizes and totals of the pool. */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Closes the pool: waits for borrowed connections (up to `timeoutMs`), then closes every connection. */
  end(options?: CloseOptions): Promise<void> {
    return this.pool.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

}

/** Creates a {@link MysqlPool} from mysql2 connection options (or a mysql:// URL) plus `pool` options. */
export function createMysqlPool(config: MysqlPoolConfig | string): MysqlPool {
  return new MysqlPool(config);
}

/** `mysql:host:port/database` from a connection URL or host/port/database fields (no credentials). */
function whereName(url: string | undefined, host: string | undefined, port: number | string | undefined, database: string | number | undefined): string {
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  const h = host ?? (parsed?.hostname || 'localhost');
  const p = port ?? (parsed?.port || 3306);
  const d = database ?? (decodeURIComponent(parsed?.pathname.slice(1) ?? '') || undefined);
  return `mysql:${h}:${p}${d === undefined ? '' : `/${d}`}`;
}
