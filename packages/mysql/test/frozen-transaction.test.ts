// pool.transaction(fn) on a frozen private MariaDB (SIGSTOP): watched as a one-shot call is, it settles with
// POOL_SERVER_UNRESPONSIVE instead of waiting for ever; on a live server a slow transaction is never cut.
import { isPoolError } from '@pool/core';
import { requirePrivateServer, startPrivateMariadb, waitUntil, within, type PrivateMariadb } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';

const check = requirePrivateServer('mariadb');

describe.skipIf(!check.available)('pool.transaction and the frozen-server watchdog', () => {
  let server: PrivateMariadb;
  let pool: MysqlPool | undefined;
  beforeAll(async () => {
    server = await startPrivateMariadb();
  }, 60_000);
  afterAll(async () => {
    if (server?.frozen) server.thaw();
    await server?.dispose();
  });
  afterEach(async () => {
    if (server.frozen) server.thaw();
    await pool?.end({ timeoutMs: 2000 }).catch(() => undefined);
    pool = undefined;
  });

  const open = () => createMysqlPool({ host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });

  it('a transaction whose server freezes mid-way fails with POOL_SERVER_UNRESPONSIVE within threshold + check, its connection is destroyed, and the pool works after the thaw', async () => {
    pool = open();
    const started = performance.now();
    const outcome = pool.transaction(async (conn) => {
      await conn.query('SELECT 1');
      server.freeze();
      await conn.query('SELECT 2');
    }).then(() => undefined, (e: unknown) => e);
    const error = await within(outcome, 10_000, 'the transaction');
    expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(performance.now() - started).toBeLessThan(6000);
    await waitUntil(() => pool!.stats().totals.destroyed >= 1 && pool!.stats().borrowed === 0, 'the frozen connection destroyed', 5000);
    server.thaw();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 3 AS n');
    expect(row!.n).toBe(3);
  }, 20_000);

  it('a slow transaction on a live server (SELECT SLEEP(2.5), 2.5x the threshold) commits', async () => {
    pool = open();
    const result = await pool.transaction(async (conn) => {
      const [[row]] = await conn.query<RowDataPacket[]>('SELECT SLEEP(2.5) AS slept');
      return row!.slept as number;
    });
    expect(result).toBe(0);
    expect(pool.stats().totals.destroyed).toBe(0);
  }, 20_000);
});
