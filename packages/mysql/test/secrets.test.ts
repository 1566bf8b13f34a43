// reliability.md rows 27 and 35: a password never appears in an error message, stack, event or log line.
import { isPoolError, type PoolLogger } from '@pool/core';
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions, kill } from './helpers.js';

const service = await requireService('mysql');
const canary = `canary-pw-${process.pid}-Zq8`;
const user = `pool_mysql_canary_${process.pid}`;

/** Everything a pool says anywhere: log lines, events, errors, all rendered as text to search. */
class Transcript {
  readonly lines: string[] = [];

  readonly logger: PoolLogger = {
    debug: (...args: unknown[]) => this.add('debug', args),
    info: (...args: unknown[]) => this.add('info', args),
    warn: (...args: unknown[]) => this.add('warn', args),
    error: (...args: unknown[]) => this.add('error', args),
  };

  add(label: string, value: unknown): void {
    this.lines.push(`${label}: ${inspect(value, { depth: 8, showHidden: true, getters: true })}`);
    try {
      this.lines.push(`${label} (json): ${JSON.stringify(value, (_, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack, cause: v.cause } : v))}`);
    } catch {
      // circular structures are covered by inspect above
    }
  }

  watch(pool: MysqlPool): void {
    for (const event of ['create', 'destroy', 'acquire', 'release', 'error', 'availability'] as const) {
      pool.pool.on(event, (payload: unknown) => this.add(`event ${event}`, payload));
    }
  }

  leaks(secret: string): string[] {
    return this.lines.filter((line) => line.includes(secret));
  }
}

describe.skipIf(!service.available)('rows 27 and 35: passwords never leak', () => {
  let admin: mysql.Connection;

  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '%', canary]);
    await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, 'localhost', canary]);
    for (const host of ['%', 'localhost']) await admin.query(`GRANT SELECT ON ${admin.escapeId(connectionOptions().database!)}.* TO ?@?`, [user, host]);
  });
  afterAll(async () => {
    for (const host of ['%', 'localhost']) await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
    await admin.end();
  });

  it.each([
    ['options', () => ({ ...connectionOptions(), user, password: `${canary}-wrong` })],
    ['a URL', () => {
      const o = connectionOptions();
      return { uri: `mysql://${user}:${encodeURIComponent(`${canary}-wrong`)}@${o.host}:${o.port}/${o.database}` };
    }],
  ])('a wrong password given as %s: a clear access-denied error, and the password nowhere', async (_, config) => {
    const transcript = new Transcript();
    const pool = createMysqlPool({ ...config(), pool: { acquireTimeoutMs: 1500, retry: { minDelayMs: 20, maxDelayMs: 100 }, logger: transcript.logger } });
    transcript.watch(pool);
    try {
      const error = await pool.query('SELECT 1', undefined, { timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e);
      expect(error, 'a wrong password must fail').toBeDefined();
      // mysql2's own error, as mysql2's pool gives it (not wrapped in a PoolError)
      expect(isPoolError(error)).toBe(false);
      expect(String((error as Error).message)).toMatch(/Access denied/);
      expect((error as Error & { code?: string }).code).toBe('ER_ACCESS_DENIED_ERROR');
      transcript.add('caller error', error);
      transcript.add('pool', pool);
      transcript.add('stats', pool.stats());
    } finally {
      await pool.end({ timeoutMs: 1000 });
    }
    expect(transcript.lines.some((line) => line.startsWith('event error') && line.includes('Access denied'))).toBe(true);
    expect(transcript.leaks(canary)).toEqual([]);
  });

  it('a working password: connections, events, logs, statement and fatal errors never show it', async () => {
    const transcript = new Transcript();
    const pool = createMysqlPool({ ...connectionOptions(), user, password: canary, pool: { max: 2, logger: transcript.logger } });
    transcript.watch(pool);
    try {
      const [[row]] = await pool.query<RowDataPacket[]>('SELECT CURRENT_USER() AS me');
      expect(String(row!.me)).toMatch(new RegExp(`^${user}@`));
      transcript.add('statement error', await pool.query('SELEC 1').catch((e: unknown) => e));
      transcript.add('permission error', await pool.query('CREATE TABLE nope (x INT)').catch((e: unknown) => e));
      const connection = await pool.getConnection();
      transcript.add('connection wrapper', connection);
      transcript.add('mysql2 connection', connection.connection);
      await kill(admin, connection.threadId);
      transcript.add('fatal error', await connection.query('SELECT 1').catch((e: unknown) => e));
      connection.release();
      await pool.query('SELECT 1');
      transcript.add('pool', pool);
    } finally {
      await pool.end({ timeoutMs: 1000 });
    }
    expect(transcript.lines.some((line) => line.includes('event create'))).toBe(true);
    expect(transcript.leaks(canary)).toEqual([]);
  });
});
