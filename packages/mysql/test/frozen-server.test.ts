// Issue 14 item 3: a frozen server (SIGSTOP) is caught without a per-call deadline; a slow query on a live server is never cut.
import { isPoolError } from '@pool/core';
import { requirePrivateServer, startFaultProxy, startPrivateMariadb, waitUntil, within, type PrivateMariadb } from '@pool/testkit';
import type { PoolConnection, RowDataPacket } from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool, type MysqlPoolConnection } from '../src/index.js';

const check = requirePrivateServer('mariadb');

describe.skipIf(!check.available)('the frozen-server watchdog on a private MariaDB', () => {
  let server: PrivateMariadb;
  let pool: MysqlPool | undefined;
  beforeAll(async () => {
    server = await startPrivateMariadb();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });
  afterEach(async () => {
    if (server.frozen) server.thaw();
    await pool?.end({ timeoutMs: 2000 }).catch(() => undefined);
    pool = undefined;
  });

  const open = () => createMysqlPool({ host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });

  it('a call to a frozen server fails with POOL_SERVER_UNRESPONSIVE within threshold + check timeout, and the pool recovers after the thaw', async () => {
    pool = open();
    await pool.query('SELECT 1');
    server.freeze();
    const started = performance.now();
    const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    // 1000 ms threshold + 1000 ms check, generous slack for a busy 2-core machine
    expect(elapsed).toBeLessThan(5000);
    await waitUntil(() => pool!.stats().totals.destroyed >= 1, 'the frozen connection destroyed', 5_000);
    server.thaw();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 2 AS n');
    expect(row!.n).toBe(2);
  }, 20_000);

  it('callers queued for a connection (their connects hang on the frozen server too) fail by the same bound, leave the line, and nothing stays borrowed', async () => {
    pool = open();
    await pool.query('SELECT 1');
    server.freeze();
    const started = performance.now();
    // half with call options that set no deadline (`queryTimeoutMs: Infinity`): watched all the same
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? pool!.query(`SELECT ${i}`) : pool!.query(`SELECT ${i}`, [], { queryTimeoutMs: Infinity })).then(() => undefined, (e: unknown) => e)));
    const elapsed = performance.now() - started;
    for (const outcome of outcomes) expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(elapsed).toBeLessThan(5000);
    // failed callers do not wait on: none is counted as waiting, nor would be served before a later caller
    expect(pool.stats().pending).toBe(0);
    expect(pool.stats().totals.aborted).toBeGreaterThanOrEqual(1);
    server.thaw();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT 7 AS n');
    expect(row!.n).toBe(7);
    await waitUntil(() => pool!.stats().borrowed === 0, 'no connection left borrowed', 10_000);
  }, 30_000);

  it('a slow query on a live server (SELECT SLEEP(4), 4x the threshold) is never cut', async () => {
    pool = open();
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT SLEEP(4) AS slept');
    expect(row!.slept).toBe(0);
    expect(pool.stats().totals.destroyed).toBe(0);
  }, 20_000);

  it('a lock wait on a live server (GET_LOCK held elsewhere for 3 s) is never cut', async () => {
    pool = open();
    const holder = await pool.getConnection();
    await holder.query("SELECT GET_LOCK('pool_mysql_wait', 10)");
    setTimeout(() => void holder.query("DO RELEASE_LOCK('pool_mysql_wait')").then(() => holder.release()), 3000);
    const [[row]] = await pool.query<RowDataPacket[]>("SELECT GET_LOCK('pool_mysql_wait', 10) AS got");
    expect(row!.got).toBe(1);
    expect(pool.stats().totals.destroyed).toBe(0);
  }, 20_000);

  it('with a per-call deadline a frozen server fails the call by that deadline (POOL_TIMEOUT phase query)', async () => {
    pool = open();
    await pool.query('SELECT 1');
    server.freeze();
    const started = performance.now();
    const error = await pool.query('SELECT 1', undefined, { queryTimeoutMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'query' });
    expect(performance.now() - started).toBeLessThan(3000);
  }, 20_000);
  // pool.transaction(fn), watched as a one-shot call is: it settles with POOL_SERVER_UNRESPONSIVE
  // instead of waiting for ever; on a live server a slow transaction is never cut
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

  // getConnection() is watched while it waits, as a one-shot call is: its idle connection's ping, then
  // the connects after it, got no answer (validateTimeoutMs, connectTimeout, retried) until the 30 s acquire deadline
  it('getConnection() on a frozen server whose idle connection is due for its ping: mysql2 lends it and the borrower\'s query hangs; ours fails with POOL_SERVER_UNRESPONSIVE within threshold + check, in every form (promise, callback, promise(), transaction)', async () => {
    const ours = Array.from({ length: 4 }, () => open());
    const theirs = mysqlPromise.createPool({ host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2 });
    let lent: mysqlPromise.PoolConnection | undefined;
    try {
      await Promise.all([...ours.map((p) => p.query('SELECT 1')), theirs.query('SELECT 1')]);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past validateAfterIdleMs (1 s): the next lend pings first
      server.freeze();
      const started = performance.now();
      const settle = <T>(promise: Promise<T>) => promise.then(
        (value) => ({ value, error: undefined, ms: performance.now() - started }),
        (error: unknown) => ({ value: undefined, error, ms: performance.now() - started }),
      );
      const borrowed = Promise.all([
        settle(ours[0]!.getConnection()),
        settle(new Promise<PoolConnection>((resolve, reject) => ours[1]!.getConnection((error, conn) => (error ? reject(error) : resolve(conn))))),
        settle(ours[2]!.promise().getConnection()),
        settle(ours[3]!.transaction(() => 'ran')),
      ]);
      // mysql2 lends the idle connection at once (no ping), and the statement on it never gets a reply
      lent = await within(theirs.getConnection(), 2000, "mysql2's getConnection()");
      let theirQuery = 'pending';
      const query = lent.query('SELECT 1').then(() => (theirQuery = 'answered'), () => (theirQuery = 'failed'));
      const outcomes = await within(borrowed, 10_000, 'our four getConnection() forms');
      for (const { error, ms, value } of outcomes) {
        expect(value).toBeUndefined();
        expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        // 1000 ms threshold + 1000 ms check; generous slack for a busy 2-core machine (it was 30 s, the acquire deadline)
        expect(ms).toBeLessThan(5000);
      }
      expect(theirQuery).toBe('pending');
      // the failed callers left the line: none waits on for a connection
      for (const p of ours) expect(p.stats().pending).toBe(0);
      server.thaw();
      await within(query, 5000, "mysql2's query after the thaw");
      const [[row]] = await ours[0]!.query<RowDataPacket[]>('SELECT 4 AS n');
      expect(row!.n).toBe(4);
      const conn = await ours[1]!.getConnection();
      conn.release();
    } finally {
      if (server.frozen) server.thaw();
      lent?.release();
      await Promise.all([...ours.map((p) => p.end({ timeoutMs: 2000 }).catch(() => undefined)), theirs.end().catch(() => undefined)]);
    }
  }, 20_000);

  it('getConnection({ readOnly: true }) whose replica went silent (a blackholed path, its idle connection due for its ping) falls back to the primary by the same bound', async () => {
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    const routed = createMysqlPool({ host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 }, replicas: [{ port: proxy.port }] });
    try {
      await routed.query('SELECT 1', [], { readOnly: true });
      expect(routed.replicas[0]!.stats().idle).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      proxy.blackhole(true);
      const started = performance.now();
      const conn: MysqlPoolConnection = await within(routed.getConnection({ readOnly: true }), 10_000, 'getConnection({ readOnly: true })');
      expect(performance.now() - started).toBeLessThan(5000);
      expect(conn.config.port).toBe(server.port); // the primary's connection, not the replica's (through the proxy)
      const [[row]] = await conn.query<RowDataPacket[]>('SELECT 5 AS n');
      expect(row!.n).toBe(5);
      conn.release();
    } finally {
      await proxy.close();
      await routed.end({ timeoutMs: 2000 }).catch(() => undefined);
    }
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
