import { createMysqlPool } from '@pool/mysql';
import mysql from 'mysql2/promise';
import type { Comparison } from '../comparison.js';
import { unreachable } from './unreachable.js';

/**
 * `SELECT 1` at 100 callers over 10 connections: @pool/mysql's `query` against mysql2's own
 * promise pool (`createPool({ connectionLimit: 10 })`), both warmed to 10 open connections first.
 * Both send the same text-protocol COM_QUERY on mysql2 connections, so the difference is the pool
 * path: acquire, release (with @pool/mysql's transaction check), and the waiter queue.
 */

function mysqlUrl(): string {
  const fromEnv = process.env.POOL_MYSQL_URL;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : 'mysql://root@127.0.0.1:3306/test';
}

async function reachable(url: string): Promise<string | undefined> {
  try {
    const probe = await mysql.createConnection({ uri: url, connectTimeout: 2_000 });
    await probe.end();
    return undefined;
  } catch (error) {
    return unreachable('mysql', url, error);
  }
}

/** Borrows `n` connections at once and gives them back, so the pool holds `n` open connections. */
async function warm(getConnection: () => Promise<{ release(): void }>, n: number): Promise<void> {
  const held = await Promise.all(Array.from({ length: n }, getConnection));
  for (const connection of held) connection.release();
}

const comparison: Comparison = {
  id: 'W6',
  title: 'mysql: SELECT 1, 10 connections, 100 callers; @pool/mysql vs mysql2 createPool',
  concurrency: 100,
  operations: 20_000,
  async setup() {
    const url = mysqlUrl();
    const problem = await reachable(url);
    if (problem !== undefined) return { skipped: problem };
    const ours = createMysqlPool({ uri: url, pool: { max: 10, min: 10, name: 'bench-mysql' } });
    const theirs = mysql.createPool({ uri: url, connectionLimit: 10 });
    await ours.pool.ready();
    await warm(() => ours.getConnection(), 10);
    await warm(() => theirs.getConnection(), 10);
    return {
      contenders: [
        { name: '@pool/mysql query', op: () => ours.query('SELECT 1') },
        { name: 'mysql2 createPool query', op: () => theirs.query('SELECT 1') },
      ],
      teardown: async () => {
        await Promise.all([ours.end(), theirs.end()]);
      },
    };
  },
};

export default comparison;
