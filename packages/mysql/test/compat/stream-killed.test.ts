// A one-shot streamed query (`pool.query(sql).stream()`) whose connection is killed mid-statement
// (KILL CONNECTION of our own connection on the shared server): mysql2 tells the connection, never the
// command, so the command never ends. mysql2's pool frees its slot anyway (the connection leaves the
// pool); ours must too, instead of keeping the lease for ever (connectionLimit 1: every later call hung).
import { requireService, waitUntil, within } from '@pool/testkit';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlPool } from '../../src/index.js';
import { adminConnection, connectionOptions, kill, waitForStatement } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('a streamed query whose connection is killed', () => {
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterAll(async () => {
    await admin.end();
  });

  it('the next call on a one-connection pool is served and end() finishes, as with mysql2 (difference: ours also fails the stream with mysql2\'s PROTOCOL_CONNECTION_LOST; mysql2\'s stream neither ends nor errors)', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ ...connectionOptions(), connectionLimit: 1 });
      const id = await new Promise<number>((resolve, reject) => pool.query('SELECT CONNECTION_ID() AS id', (error, rows) => (error ? reject(error) : resolve((rows as Array<{ id: number }>)[0]!.id))));
      const sql = 'SELECT 1 AS n UNION ALL SELECT SLEEP(5)';
      const stream = pool.query(sql).stream();
      let streamError: unknown;
      let streamEnded = false;
      stream.on('data', () => undefined);
      stream.on('error', (error) => {
        streamError = error;
      });
      stream.on('end', () => {
        streamEnded = true;
      });
      await waitForStatement(admin, id, 'SELECT 1 AS n');
      await kill(admin, id);
      if (c.name === '@pool/mysql') await waitUntil(() => streamError !== undefined, 'the stream to fail', 5000);
      else await new Promise((resolve) => setTimeout(resolve, 500));
      const next = await within(new Promise<unknown>((resolve) => pool.query('SELECT 2 AS n', (error, rows) => resolve(error ?? rows))), 5000, 'the next query');
      const borrowed = c.name === '@pool/mysql' ? (pool as unknown as MysqlPool).stats().borrowed : 0;
      await within(new Promise((resolve) => pool.end(resolve)), 5000, 'end()');
      return { next, borrowed, streamError: streamError === undefined ? undefined : shape(streamError), streamEnded };
    });
    expect(mysql2.next).toEqual([{ n: 2 }]);
    expect(ours.next).toEqual(mysql2.next);
    expect(ours.borrowed).toBe(0);
    // the difference: mysql2's stream is left hanging; ours errors with the error mysql2 gives a killed connection
    expect(mysql2.streamError).toBeUndefined();
    expect(mysql2.streamEnded).toBe(false);
    expect(ours.streamError).toMatchObject({ class: 'Error', code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
  }, 20_000);

  it('the promise form (pool.query(sql).on(\'result\')) rejects with the connection\'s error and frees the connection', async () => {
    const { createMysqlPool } = await import('../../src/index.js');
    const pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    try {
      const [[first]] = await pool.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      const id = first!.id as number;
      const rows: unknown[] = [];
      const running = pool.query('SELECT 1 AS n UNION ALL SELECT SLEEP(5)').on('result', (row) => rows.push(row));
      const outcome = running.then(() => undefined, (e: unknown) => e);
      await waitForStatement(admin, id, 'SELECT 1 AS n');
      await kill(admin, id);
      expect(shape(await within(outcome, 5000, 'the promise'))).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
      const [[row]] = await within(pool.query<mysql.RowDataPacket[]>('SELECT 3 AS n'), 5000, 'the next query');
      expect(row!.n).toBe(3);
      expect(pool.stats().borrowed).toBe(0);
    } finally {
      await within(pool.end(), 5000, 'end()');
    }
  }, 20_000);
});
