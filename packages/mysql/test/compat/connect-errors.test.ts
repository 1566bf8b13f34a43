// Connect failures reach the caller as mysql2's own errors, in about the time mysql2's pool takes.
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConnection, connectionOptions } from '../helpers.js';
import { freePort, shape, sideBySide } from './harness.js';

const service = await requireService('mysql');
const user = `pool_mysql_compat_${process.pid}`;

async function firstQuery(c: Parameters<Parameters<typeof sideBySide>[0]>[0], options: Record<string, unknown>) {
  const pool = c.promisePool(options);
  const started = performance.now();
  const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
  const ms = performance.now() - started;
  await pool.end().catch(() => undefined);
  return { error: shape(error), ms };
}

describe.skipIf(!service.available)('connect errors: mysql2\'s error class and code, at once', () => {
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await adminConnection();
    await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '%', 'right-pw']);
    await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, 'localhost', 'right-pw']);
  });
  afterAll(async () => {
    for (const host of ['%', 'localhost']) await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
    await admin.end();
  });

  it.each([
    ['a wrong password', () => ({ user, password: 'wrong-pw' }), 'ER_ACCESS_DENIED_ERROR'],
    ['an unknown database', () => ({ database: `no_such_db_${process.pid}` }), 'ER_BAD_DB_ERROR'],
    ['no database rights', () => ({ user, password: 'right-pw', database: 'mysql' }), 'ER_DBACCESS_DENIED_ERROR'],
    ['a port nobody listens on', async () => ({ port: await freePort() }), 'ECONNREFUSED'],
  ])('%s', async (_, options, code) => {
    const config = await options();
    const { mysql2, ours } = await sideBySide((c) => firstQuery(c, { ...connectionOptions(), ...config }));
    expect(ours.error).toEqual(mysql2.error);
    expect(ours.error).toMatchObject({ class: 'Error', code });
    // "about the time mysql2's pool takes": both well under a second on a loopback server
    expect(ours.ms).toBeLessThan(Math.max(1000, mysql2.ms * 2));
  });
});
