// A connect refused for good after the pool had connected (an account locked by an admin): mysql2's pool
// fails the caller at once with the server's error; ours must too, not wait out its deadline retrying the login.
import { requireService, waitUntil } from '@pool/testkit';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlPool } from '../../src/index.js';
import { adminConnection, connectionOptions } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');
const user = `pool_mysql_locked_${process.pid}`;
const hosts = ['%', 'localhost'];

describe.skipIf(!service.available)('an account locked while the pool runs', () => {
  let admin: mysql.Connection;
  const lock = async (locked: boolean) => {
    for (const host of hosts) await admin.query(`ALTER USER ?@? ACCOUNT ${locked ? 'LOCK' : 'UNLOCK'}`, [user, host]);
  };
  beforeAll(async () => {
    admin = await adminConnection();
    for (const host of hosts) {
      await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, 'pw']);
      await admin.query('GRANT ALL ON test.* TO ?@?', [user, host]);
    }
  });
  afterAll(async () => {
    for (const host of hosts) await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
    await admin.end();
  });

  it('a new connection refused with 4151 (account locked) fails the caller at once with the server error, as mysql2; the pool works again once unlocked', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ ...connectionOptions(), user, password: 'pw', connectionLimit: 2, ...(c.name === '@pool/mysql' ? { pool: { acquireTimeoutMs: 8000 } } : {}) });
      try {
        const held = await pool.getConnection(); // the pool has connected; the next caller needs a new connection
        await lock(true);
        const started = performance.now();
        const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
        const ms = performance.now() - started;
        const createErrors = c.name === '@pool/mysql' ? (pool as unknown as MysqlPool).stats().totals.createErrors : 0;
        held.release();
        await lock(false);
        // after the unlock the pool serves again (ours refuses with the last error for a short window)
        await waitUntil(() => pool.query('SELECT 1').then(() => true, () => false), 'a query to succeed after the unlock', 5000, 50);
        return { error: shape(error), ms, createErrors };
      } finally {
        await lock(false);
        await pool.end();
      }
    });
    expect(mysql2.error).toMatchObject({ class: 'Error', errno: 4151 });
    expect(ours.error).toEqual(mysql2.error);
    // at once, not after the 8 s acquire deadline; and no login retried in a loop meanwhile
    expect(ours.ms).toBeLessThan(Math.max(1500, mysql2.ms * 2));
    expect(ours.createErrors).toBeLessThanOrEqual(2);
  }, 20_000);
});
