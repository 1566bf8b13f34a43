// The side-by-side harness: each compat case runs the same body against mysql2's own pool and ours.
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { createMysqlPool } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';

/** One pool implementation under test, in mysql2's callback API and in mysql2/promise's. */
export interface Contender {
  name: 'mysql2' | '@pool/mysql';
  /** A pool as `mysql2`'s `createPool` returns it (callback API). */
  callbackPool(options?: Record<string, unknown>): mysql.Pool;
  /** A pool as `mysql2/promise`'s `createPool` returns it. */
  promisePool(options?: Record<string, unknown>): mysqlPromise.Pool;
}

const base = (options: Record<string, unknown> = {}) => ({ ...connectionOptions(), ...options });

export const contenders: Contender[] = [
  {
    name: 'mysql2',
    callbackPool: (options) => mysql.createPool(base(options)),
    promisePool: (options) => mysqlPromise.createPool(base(options)),
  },
  {
    name: '@pool/mysql',
    callbackPool: (options) => createMysqlPool(base(options)) as unknown as mysql.Pool,
    promisePool: (options) => createMysqlPool(base(options)) as unknown as mysqlPromise.Pool,
  },
];

/** Runs `body` once per contender (mysql2 first) and returns both outcomes, to compare. */
export async function sideBySide<T>(body: (contender: Contender) => Promise<T>): Promise<{ mysql2: T; ours: T }> {
  const mysql2 = await body(contenders[0]!);
  const ours = await body(contenders[1]!);
  return { mysql2, ours };
}

/** A callback call as a promise of its arguments (never rejects: errors are outcomes to compare). */
export function callback<A extends unknown[]>(start: (cb: (...args: A) => void) => void): Promise<A> {
  return new Promise<A>((resolve) => start((...args: A) => resolve(args)));
}

/** What a test compares of an error: the class name, code, errno, sqlState and fatal flag. */
export function shape(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: error };
  const e = error as Error & { code?: unknown; errno?: unknown; sqlState?: unknown; fatal?: unknown };
  return { class: e.constructor.name, code: e.code, errno: e.errno, sqlState: e.sqlState, fatal: e.fatal };
}

/** Ends a callback pool and waits for its callback. */
export function endPool(pool: { end(cb: (error?: unknown) => void): void }): Promise<unknown> {
  return new Promise((resolve) => pool.end((error) => resolve(error)));
}

/** A loopback port nothing listens on. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
