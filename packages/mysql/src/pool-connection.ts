import { PoolError, type Lease, type Pool } from '@pool/core';
import type { FieldPacket, QueryOptions, QueryResult } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { settleAfterError } from './settle.js';

/** Values bound to `?` placeholders (or named ones with `namedPlaceholders`). */
export type MysqlValues = unknown[] | Record<string, unknown>;

/**
 * A borrowed connection from {@link MysqlPool.getConnection}. Give it back with `release()` (or
 * `await using`); after that every method throws POOL_LEASE_RELEASED, so a late query can never run
 * on a connection someone else now holds.
 */
export class MysqlPoolConnection implements AsyncDisposable, Disposable {
  readonly #lease: Lease<Connection>;

  constructor(lease: Lease<Connection>) {
    this.#lease = lease;
  }

  /** The mysql2 promise connection itself, for APIs this wrapper does not cover. Do not keep it past `release()`. */
  get connection(): Connection {
    return this.live();
  }

  /** mysql2's connection id (`CONNECTION_ID()`), e.g. for `KILL QUERY`. */
  get threadId(): number {
    return this.live().threadId;
  }

  /** True once released or destroyed. */
  get released(): boolean {
    return this.#lease.released;
  }

  /** A text-protocol query (client-side `?` interpolation). Resolves `[rows, fields]` like mysql2. */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues): Promise<[T, FieldPacket[]]> {
    return this.live().query<T>(sql as string, values as never);
  }

  /** A prepared statement, prepared once per connection and reused from mysql2's statement cache. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues): Promise<[T, FieldPacket[]]> {
    return this.live().execute<T>(sql as string, values as never);
  }

  /** START TRANSACTION. A transaction still open at `release()` is rolled back before reuse. */
  beginTransaction(): Promise<void> {
    return this.live().beginTransaction();
  }

  commit(): Promise<void> {
    return this.live().commit();
  }

  rollback(): Promise<void> {
    return this.live().rollback();
  }

  /** COM_PING. */
  ping(): Promise<void> {
    return this.live().ping();
  }

  /** Gives the connection back to the pool (rolled back first if a transaction is open). Throws POOL_LEASE_RELEASED on a second call. */
  release(): void {
    this.#lease.release();
  }

  /** Closes the connection instead of reusing it. */
  destroy(reason?: unknown): void {
    this.#lease.destroy(reason);
  }

  /**
   * Releases, or destroys when `error` is a connection-level error (evicting every connection after
   * a read-only error): what to call from a `catch`.
   * @internal used by MysqlPool.transaction
   */
  settle(pool: Pool<Connection>, error: unknown): void {
    settleAfterError(pool, this.#lease, error);
  }

  [Symbol.dispose](): void {
    if (!this.#lease.released) this.#lease.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    if (!this.#lease.released) this.#lease.release();
    return Promise.resolve();
  }

  private live(): Connection {
    if (this.#lease.released) {
      throw new PoolError('POOL_LEASE_RELEASED', 'this connection was released to the pool; borrow another with getConnection()');
    }
    return this.#lease.resource;
  }
}
