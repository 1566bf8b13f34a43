import { livenessDefaults } from '@pool/core/adapter-kit';
import { createMysqlPool } from '@pool/mysql';
import mysql from 'mysql2';
import type { Contender } from '../types.js';
import { DEADLINE_MS, MAX, withTimeout } from './shared.js';

/** mysql2's connection state: what makes it answer "Can't add new command when connection is in closed state". */
interface MysqlConnectionState {
  _fatalError?: unknown;
  _closing?: boolean;
  stream?: { destroyed?: boolean };
}

function broken(connection: MysqlConnectionState): boolean {
  return (connection._fatalError !== null && connection._fatalError !== undefined) || connection._closing === true || connection.stream?.destroyed === true;
}

/** A query with mysql2's per-query `timeout` when the row has a deadline. */
function statement(deadlineMs: number | undefined): string | { sql: string; timeout: number } {
  return deadlineMs === undefined ? 'SELECT 1' : { sql: 'SELECT 1', timeout: deadlineMs };
}

/** @pool/mysql's defaults on a frozen server: `livenessCheckAfterMs` (3 s) + the COM_PING probe's timeout (`validateTimeoutMs`, at most 2 s). */
const FROZEN_BOUND_MS = livenessDefaults.thresholdMs + livenessDefaults.maxCheckTimeoutMs;

function ours(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'MariaDB',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : { frozenBoundMs: FROZEN_BOUND_MS }),
    async open(url) {
      // the drop-in's mysql2 options; with a deadline, @pool's: the statement's, the acquire's, and one signal for the whole call
      const pool = createMysqlPool({
        uri: url,
        connectionLimit: MAX,
        ...(deadlineMs !== undefined ? { queryTimeoutMs: deadlineMs, pool: { acquireTimeoutMs: deadlineMs } } : {}),
      });
      pool.pool.on('error', () => undefined);
      let lentBroken = 0;
      pool.pool.on('acquire', ({ resource }) => {
        if (broken(resource as unknown as MysqlConnectionState)) lentBroken++;
      });
      return {
        call: () => (deadlineMs === undefined ? pool.query('SELECT 1') : pool.query('SELECT 1', [], { signal: AbortSignal.timeout(deadlineMs) })),
        close: () => withTimeout(pool.end(), 5_000),
        lentBroken: () => lentBroken,
      };
    },
  };
}

function theirs(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'MariaDB',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const core = mysql.createPool({ uri: url, connectionLimit: MAX, ...(deadlineMs !== undefined ? { connectTimeout: deadlineMs } : {}) });
      core.on('connection', (connection) => connection.on('error', () => undefined));
      let lentBroken = 0;
      core.on('acquire', (connection) => {
        if (broken(connection as unknown as MysqlConnectionState)) lentBroken++;
      });
      const pool = core.promise();
      const sql = statement(deadlineMs);
      return {
        call: () => pool.query(sql as string),
        close: () => withTimeout(pool.end(), 5_000),
        lentBroken: () => lentBroken,
      };
    },
  };
}

export const mysqlContenders: Contender[] = [
  ours('@pool/mysql (defaults)'),
  ours(`@pool/mysql (queryTimeoutMs, acquireTimeoutMs, signal ${DEADLINE_MS})`, DEADLINE_MS),
  theirs('mysql2 createPool (defaults)'),
  theirs(`mysql2 createPool (connectTimeout, query timeout ${DEADLINE_MS})`, DEADLINE_MS),
];
