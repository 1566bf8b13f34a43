import { PoolOptionError, type AcquireOptions } from '@pool/core';

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
