import { PoolError, type Lease, type Pool } from '@pool/core';
import type { FieldPacket, PoolConnection, QueryOptions, QueryResult } from 'mysql2';
import type { Connection, ConnectionOptions, PreparedStatementInfo } from 'mysql2/promise';
import { lendCallbackConnection } from './callback-connection.js';
import { sessionOf } from './session.js';
import { settleAfterError } from './settle.js';

/**
 * Values bound to `?` placeholders (or named ones with `namedPlaceholders`). A single value binds the
 * one `?` of a text query, as mysql2's `QueryValues` allow (`query('... WHERE id = ?', id)`).
 */
export type MysqlValues = unknown[] | Record<string, unknown> | string | number | bigint | boolean | Date | Buffer | Uint8Array | null;

/**
 * A borrowed connection from {@link MysqlPool.getConnection}. Give it back with `release()` (or
 * `await using`); after that a statement (`query`, `execute`, `beginTransaction`, `commit`,
 * `rollback`, `changeUser`, `ping`, a prepared statement's `execute`/`close`) rejects with
 * POOL_LEASE_RELEASED (a promise, as every outcome of mysql2's promise API, so `.catch()` sees it)
 * and `prepare`, `unprepare` and `on` refuse too, so a late query can never run on a connection
 * someone else now holds. `threadId`, `config`, `escape` and `format` still answer.
 */
export class MysqlPoolConnection implements AsyncDisposable, Disposable {
  readonly #lease: Lease<Connection>;
  readonly #view: PoolConnection;

  constructor(lease: Lease<Connection>, gracefulEnd = false) {
    this.#lease = lease;
    this.#view = lendCallbackConnection(lease, gracefulEnd, () => this);
  }

  /**
   * The callback-API connection (mysql2's `PoolConnection`), as mysql2/promise's pool connection has it:
   * `connection.query(sql).stream()` streams rows, `connection.release()`/`end()` give it back.
   */
  get connection(): PoolConnection {
    return this.#view;
  }

  /** The mysql2 promise connection itself. Do not keep it past `release()`. */
  get promiseConnection(): Connection {
    return this.live();
  }

  /** mysql2's connection config (passwords removed). */
  get config(): ConnectionOptions {
    return (sessionOf(this.#lease.resource)?.core ?? this.#lease.resource).config;
  }

  /** Escapes a value for SQL, with this connection's settings (mysql2's `escape`). */
  escape(value: unknown): string {
    return this.#lease.resource.escape(value);
  }

  /** Escapes an identifier (mysql2's `escapeId`). */
  escapeId(value: string | string[]): string {
    return this.#lease.resource.escapeId(value as never);
  }

  /** Interpolates `values` into `sql` as `query` would (mysql2's `format`). */
  format(sql: string, values?: unknown): string {
    return this.#lease.resource.format(sql, values as never);
  }

  /** mysql2's pool connection `end()`: gives the connection back (as `release()`). */
  end(): Promise<void> {
    if (!this.#lease.released) this.#lease.release();
    return Promise.resolve();
  }

  /**
   * mysql2's connection id (`CONNECTION_ID()`), e.g. for `KILL QUERY`. Still readable after
   * `release()` (for a log line), as with mysql2: it names the physical connection, which another
   * borrower may hold by then.
   */
  get threadId(): number {
    return this.#lease.resource.threadId;
  }

  /** True once released or destroyed. */
  get released(): boolean {
    return this.#lease.released;
  }

  /** A text-protocol query (client-side `?` interpolation). Resolves `[rows, fields]` like mysql2. */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues): Promise<[T, FieldPacket[]]> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.query<T>(sql as string, values as never);
  }

  /** A prepared statement, prepared once per connection and reused from mysql2's statement cache. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: MysqlValues): Promise<[T, FieldPacket[]]> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.execute<T>(sql as string, values as never);
  }

  /** START TRANSACTION. A transaction still open at `release()` is rolled back before reuse. */
  beginTransaction(): Promise<void> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.beginTransaction();
  }

  commit(): Promise<void> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.commit();
  }

  rollback(): Promise<void> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.rollback();
  }

  /**
   * COM_CHANGE_USER (mysql2's `changeUser`): another user, database or charset for this session. No
   * reset undoes it, so the connection is closed at `release()` instead of going to the next borrower.
   */
  changeUser(options: ConnectionOptions): Promise<void> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.changeUser(options);
  }

  /**
   * A server-side prepared statement (mysql2's `prepare`). Its `execute` and `close` reject with
   * POOL_LEASE_RELEASED after `release()`, like this connection's own statements.
   */
  async prepare(options: string | QueryOptions): Promise<PreparedStatementInfo> {
    const statement = await this.live().prepare(options);
    return {
      execute: (values) => (this.#lease.released ? refused() : statement.execute(values)),
      close: () => (this.#lease.released ? refused() : statement.close()),
    };
  }

  /** Drops a statement from mysql2's per-connection cache and closes it on the server (mysql2's `unprepare`). */
  unprepare(sql: string | QueryOptions): void {
    this.live().unprepare(sql);
  }

  /**
   * Listens to the connection's events (`'error'`, `'end'`, ...), as mysql2's promise connection
   * forwards them. The listener is removed at release: it never hears a later borrower's events.
   */
  on(event: string, listener: (...args: any[]) => void): this {
    this.live();
    this.#view.on(event, listener);
    return this;
  }

  once(event: string, listener: (...args: any[]) => void): this {
    this.live();
    this.#view.once(event, listener);
    return this;
  }

  off(event: string, listener: (...args: any[]) => void): this {
    this.#view.off(event, listener);
    return this;
  }

  removeListener(event: string, listener: (...args: any[]) => void): this {
    return this.off(event, listener);
  }

  /** COM_PING. */
  ping(): Promise<void> {
    if (this.#lease.released) return refused();
    return this.#lease.resource.ping();
  }

  /** Gives the connection back to the pool (rolled back first if a transaction is open). A second call is a no-op, as in mysql2. */
  release(): void {
    if (!this.#lease.released) this.#lease.release();
  }

  /** Closes the connection instead of reusing it. */
  destroy(reason?: unknown): void {
    if (!this.#lease.released) this.#lease.destroy(reason);
  }

  /**
   * Closes the connection at once (no COM_QUIT) after `error` (the frozen-server watchdog gave up on
   * it): a statement still waiting for its reply fails, and a late reply can never reach anyone.
   * @internal used by MysqlPool.transaction
   */
  abandon(error: unknown): void {
    // once given back, the connection may be someone else's: leave it alone
    if (this.#lease.released) return;
    sessionOf(this.#lease.resource)?.markBroken(error);
    this.#lease.destroy(error);
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

/** What a statement on a released connection returns: a rejection, never a synchronous throw. */
function refused(): Promise<never> {
  return Promise.reject(new PoolError('POOL_LEASE_RELEASED', 'this connection was released to the pool; borrow another with getConnection()'));
}
