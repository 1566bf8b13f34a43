import type { AcquireOptions, Pool } from '@pool/core';
import type { Connection } from 'mysql2/promise';
import { applyCallSite, type CallSite } from './call-site.js';
import { sessionOf } from './session.js';
import { settleAfterError } from './settle.js';

type Callback = (error: unknown, rows?: unknown, fields?: unknown) => void;
type CoreMethod = (sql: unknown, values: unknown, callback: Callback) => unknown;

/**
 * Runs one `query` or `execute` on a borrowed connection through mysql2's callback API, releases
 * the connection before the caller's promise settles, and destroys it after a connection-level
 * error. One promise per statement, as in mysql2's own pool: no promise-wrapper round, no
 * async-function frames (measured 15-30% more throughput than acquire + the promise API in the W6 bench).
 */
export function runStatement<T>(
  pool: Pool<Connection>, method: 'query' | 'execute', sql: unknown, values: unknown, site: CallSite | undefined, options: AcquireOptions | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    pool.acquire(options).then((lease) => {
      const session = sessionOf(lease.resource);
      const fail = (error: unknown) => {
        settleAfterError(pool, lease, error);
        applyCallSite(error, site);
        reject(error);
      };
      if (session === undefined) {
        fail(new TypeError('@pool/mysql: the pool lent a connection this adapter did not create'));
        return;
      }
      const done: Callback = (error, rows, fields) => {
        if (error) fail(error);
        else {
          lease.release();
          resolve([rows, fields] as T);
        }
      };
      try {
        const run = session.core[method] as unknown as CoreMethod;
        if (values === undefined) (run as (sql: unknown, callback: Callback) => unknown).call(session.core, sql, done);
        else run.call(session.core, sql, values, done);
      } catch (error) {
        // mysql2 throws synchronously for bad bind parameters (undefined, a function)
        fail(error);
      }
    }, reject);
  });
}
