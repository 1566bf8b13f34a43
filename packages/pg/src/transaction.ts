import { PoolError, PoolOptionError, type AcquireOptions, type Lease } from '@pool/core';
import { raceWatched, traceCall } from '@pool/core/adapter-kit';
import type pg from 'pg';
import { PgPoolError } from './errors.js';
import { withLostCause } from './lost-cause.js';
import type { CallHost } from './query-call.js';

/** SQL isolation levels, as `BEGIN ISOLATION LEVEL ...` takes them. */
export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

/** Options of {@link PgPool.transaction}. */
export interface TransactionOptions extends AcquireOptions {
  /** `BEGIN ISOLATION LEVEL ...`; any letter case. @default the server's default_transaction_isolation */
  isolationLevel?: IsolationLevel | Uppercase<IsolationLevel>;
  /** `READ ONLY` (true) or `READ WRITE` (false). @default the server's default */
  readOnly?: boolean;
  /** `DEFERRABLE` (only meaningful with serializable + readOnly). */
  deferrable?: boolean;
}

const levels = new Set<string>(['read uncommitted', 'read committed', 'repeatable read', 'serializable']);

/** The BEGIN statement for the options; throws POOL_INVALID_OPTION for anything else (never interpolates user text). */
export function beginStatement(options: TransactionOptions | undefined): string {
  if (options === undefined) return 'BEGIN';
  let sql = 'BEGIN';
  const { isolationLevel, readOnly, deferrable } = options;
  if (isolationLevel !== undefined) {
    const level = typeof isolationLevel === 'string' ? isolationLevel.toLowerCase().replace(/\s+/g, ' ').trim() : '';
    if (!levels.has(level)) {
      throw new PoolOptionError('isolationLevel', `Expected \`isolationLevel\` to be one of ${[...levels].join(', ')}, got ${String(isolationLevel)}`);
    }
    sql += ` ISOLATION LEVEL ${level.toUpperCase()}`;
  }
  if (readOnly !== undefined) {
    if (typeof readOnly !== 'boolean') throw new PoolOptionError('readOnly', 'Expected `readOnly` to be a boolean');
    sql += readOnly ? ' READ ONLY' : ' READ WRITE';
  }
  if (deferrable !== undefined) {
    if (typeof deferrable !== 'boolean') throw new PoolOptionError('deferrable', 'Expected `deferrable` to be a boolean');
    sql += deferrable ? ' DEFERRABLE' : ' NOT DEFERRABLE';
  }
  return sql;
}

/** The acquire options inside transaction options. */
export function acquireOptionsOf(options: TransactionOptions | undefined): AcquireOptions | undefined {
  if (options === undefined) return undefined;
  const { signal, timeoutMs, priority } = options;
  if (signal === undefined && timeoutMs === undefined && priority === undefined) return undefined;
  return { signal, timeoutMs, priority } as AcquireOptions;
}

/** What a transaction needs of its pool. */
export interface TransactionHost {
  host: CallHost;
  /** Borrows a client the way `connect()` does (events, `release`), rejecting with the caller's error. */
  acquire(options: AcquireOptions | undefined): Promise<{ lease: Lease<pg.Client>; client: pg.PoolClient }>;
}

/** BEGIN, `fn(client)`, COMMIT (or ROLLBACK when `fn` throws), traced as one `transaction` call. */
export function runTransaction<T>(pool: TransactionHost, fn: (client: pg.PoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
  let begin: string;
  try {
    begin = beginStatement(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const { host } = pool;
  return traceCall({ pool: host.core.name, adapter: 'pg', operation: 'transaction', statement: begin, server: host.server }, async () => {
    // the lease, not `client.release`: once fn gives the client back, the next borrower's checkout
    // replaces `client.release`, and calling it here would release that borrower's lease
    const { lease, client } = await pool.acquire(acquireOptionsOf(options));
    const work = inTransaction(host, lease, client, begin, fn);
    if (host.watch === undefined) return work;
    // the liveness check covers the whole transaction: on a silent server it fails with
    // POOL_SERVER_UNRESPONSIVE and the connection is destroyed (fn's next query then fails too);
    // an error the server sent (it has a severity) is a reply: proof the server is alive
    const watch = host.watch;
    return raceWatched((fail) => ({ done: watch(fail) }), work, (error) => {
      if (!lease.released) host.giveBack(lease, client, error, true);
    }, (error) => typeof (error as { severity?: unknown } | null)?.severity === 'string');
  });
}

/** BEGIN, fn, COMMIT on one lent client. */
async function inTransaction<T>(host: CallHost, lease: Lease<pg.Client>, client: pg.PoolClient, begin: string, fn: (client: pg.PoolClient) => Promise<T> | T): Promise<T> {
  const done = (error?: unknown) => {
    if (!lease.released) host.giveBack(lease, client, error, error !== undefined);
  };
  try {
    await client.query(begin);
  } catch (error) {
    done(host.provider.isFatal(error) ? error : undefined);
    throw withLostCause(error, client);
  }
  let result: T;
  try {
    result = await fn(client);
  } catch (error) {
    if (lease.released) throw error;
    try {
      await client.query('ROLLBACK');
      done();
    } catch (rollbackError) {
      done(rollbackError);
    }
    // a client the server closed (25P03, 57P01): the caller learns why, not only "not queryable"
    throw withLostCause(error, client);
  }
  if (lease.released) {
    throw new PoolError('POOL_LEASE_RELEASED', 'the transaction callback released its client before COMMIT; the transaction was rolled back, not committed', { pool: host.core.name });
  }
  let commit: pg.QueryResult;
  try {
    commit = await client.query('COMMIT');
  } catch (error) {
    // a failed COMMIT leaves no transaction open, or reset rolls it back; a dead client is destroyed
    done(host.provider.isFatal(error) ? error : undefined);
    throw withLostCause(error, client);
  }
  done();
  if (commit.command === 'ROLLBACK') {
    throw new PgPoolError('PG_TRANSACTION_ROLLED_BACK', 'COMMIT was turned into ROLLBACK by the server: a statement inside the transaction failed and its error was caught');
  }
  return result;
}
