// A streamed one-shot query (`pool.query(sql).stream()`, and the promise form with `.on('result')`) waits for
// its connection, and for the server's first answer, under the same watch and deadline as a non-streamed
// query: on a frozen server (SIGSTOP of a private MariaDB) or with every connection busy it fails by the
// pool's bound with the error a non-streamed query gets, as an 'error' event on the stream (as mysql2
// emits a pool error there), instead of hanging. mysql2's pool side by side: it hangs, or fails its connect.
import { isPoolError } from '@pool/core';
import { requirePrivateServer, startPrivateMariadb, waitUntil, type PrivateMariadb } from '@pool/testkit';
import mysql from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, createPoolCluster, type MysqlPool } from '../src/index.js';
import { shape } from './compat/harness.js';

const check = requirePrivateServer('mariadb');

/** What became of a stream within `waitMs`: its error (shape), 'end', or 'pending' (still hanging). */
function streamOutcome(stream: NodeJS.ReadableStream, waitMs: number): Promise<{ outcome: unknown; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ outcome: 'pending', ms: performance.now() - started }), waitMs);
    stream.on('data', () => undefined);
    stream.on('error', (error) => {
      clearTimeout(timer);
      resolve({ outcome: error, ms: performance.now() - started });
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve({ outcome: 'end', ms: performance.now() - started });
    });
  });
}

/** What a non-streamed query gets in the same spot: its error (or its rows). */
function queryOutcome(pool: mysql.Pool, sql: string): Promise<unknown> {
  return new Promise((resolve) => pool.query(sql, (error, rows) => resolve(error ?? rows)));
}

describe.skipIf(!check.available)('a streamed query waiting for its connection or its first answer (private MariaDB)', () => {
  let server: PrivateMariadb;
  const pools: Array<{ end(cb?: () => void): unknown }> = [];
  const holders: Array<{ release(): void; destroy(): void }> = [];
  beforeAll(async () => {
    server = await startPrivateMariadb();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });
  afterEach(async () => {
    if (server.frozen) server.thaw();
    for (const holder of holders.splice(0)) holder.destroy();
    for (const pool of pools.splice(0)) {
      if (pool instanceof Object && 'stats' in pool) await (pool as MysqlPool).end({ timeoutMs: 2000 }).catch(() => undefined);
      else await new Promise<void>((resolve) => pool.end(() => resolve()));
    }
  });

  const options = { connectionLimit: 1, connectTimeout: 4000 };
  const ours = (extra: Record<string, unknown> = {}) => {
    const pool = createMysqlPool({ host: server.host, port: server.port, user: 'root', database: 'test', ...options, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000, ...extra } });
    pools.push(pool);
    return pool as unknown as mysql.Pool;
  };
  const theirs = () => {
    const pool = mysql.createPool({ host: server.host, port: server.port, user: 'root', database: 'test', ...options });
    pools.push(pool);
    return pool;
  };
  /** Holds the pool's only connection (a borrower that does not give it back). */
  const holdOnly = (pool: mysql.Pool) => new Promise<void>((resolve, reject) => pool.getConnection((error, connection) => {
    if (error) return reject(error);
    holders.push(connection);
    resolve();
  }));
  const warm = (pool: mysql.Pool) => queryOutcome(pool, 'SELECT 1');
  /** A stream started on `pool`, then a non-streamed query in the same spot: what became of each. */
  const streamThenPlain = async (pool: mysql.Pool): Promise<{ outcome: unknown; ms: number; plain: unknown }> => {
    const streamed = streamOutcome(pool.query('SELECT 1 AS n').stream(), 8000);
    const plain = await queryOutcome(pool, 'SELECT 2 AS n');
    return { ...(await streamed), plain };
  };
  /** mysql2's pool in the same spot: `prepare` on a live server, then frozen or not, a stream started; what became of it within `waitMs`. */
  const mysql2Stream = async (prepare: (pool: mysql.Pool) => Promise<unknown>, frozen: boolean, waitMs: number): Promise<unknown> => {
    if (server.frozen) server.thaw();
    const pool = theirs();
    await prepare(pool);
    if (frozen) server.freeze();
    return (await streamOutcome(pool.query('SELECT 1 AS n').stream(), waitMs)).outcome;
  };

  it('every connection busy on a frozen server: ours fails the stream with POOL_SERVER_UNRESPONSIVE within the watch\'s bound, as a non-streamed query; mysql2\'s stream hangs', async () => {
    const pool = ours();
    await holdOnly(pool);
    server.freeze();
    const { outcome, ms, plain } = await streamThenPlain(pool);
    expect(isPoolError(plain, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(shape(outcome)).toEqual(shape(plain));
    expect(ms).toBeLessThan(6000);
    expect((pool as unknown as MysqlPool).stats().pending).toBe(0);

    expect(await mysql2Stream(holdOnly, true, 5000)).toBe('pending');
  }, 30_000);

  it('an idle connection lent at once on a frozen server: ours fails the stream with POOL_SERVER_UNRESPONSIVE (no first answer), as a non-streamed query, and closes the connection; mysql2\'s stream hangs', async () => {
    const pool = ours();
    await warm(pool);
    server.freeze();
    const { outcome, ms } = await streamOutcome(pool.query('SELECT 1 AS n').stream(), 8000);
    expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(ms).toBeLessThan(6000);
    await waitUntil(() => (pool as unknown as MysqlPool).stats().totals.destroyed >= 1, 'the connection closed', 5000);
    const plain = await queryOutcome(pool, 'SELECT 2 AS n');
    expect(shape(outcome)).toEqual(shape(plain));

    expect(await mysql2Stream(warm, true, 5000)).toBe('pending');
  }, 30_000);

  it('no connection yet on a frozen server (the connect hangs): ours fails the stream with POOL_SERVER_UNRESPONSIVE, as a non-streamed query; mysql2\'s stream fails with its connect timeout (ETIMEDOUT at connectTimeout)', async () => {
    const pool = ours();
    server.freeze();
    const { outcome, ms, plain } = await streamThenPlain(pool);
    expect(isPoolError(plain, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(shape(outcome)).toEqual(shape(plain));
    expect(ms).toBeLessThan(4000); // before the connect timeout (4 s)

    expect(shape(await mysql2Stream(async () => undefined, true, 8000))).toMatchObject({ code: 'ETIMEDOUT' });
  }, 30_000);

  it('every connection busy on a live server: ours fails the stream at the pool\'s acquire deadline with POOL_TIMEOUT, as a non-streamed query; mysql2 (no acquire deadline) hangs', async () => {
    const pool = ours({ acquireTimeoutMs: 1500 });
    await holdOnly(pool);
    const { outcome, ms, plain } = await streamThenPlain(pool);
    expect(isPoolError(plain, 'POOL_TIMEOUT')).toBe(true);
    expect(shape(outcome)).toEqual(shape(plain));
    expect(ms).toBeLessThan(4000);

    expect(await mysql2Stream(holdOnly, false, 3000)).toBe('pending');
  }, 30_000);

  it('a slow streamed query on a live server (its first answer after SLEEP(2.5), 2.5x the threshold) is not cut: the watch\'s check is answered, every row arrives', async () => {
    const pool = ours();
    await warm(pool);
    const rows: unknown[] = [];
    const stream = pool.query('SELECT SLEEP(2.5) AS slept UNION ALL SELECT 2').stream();
    stream.on('data', (row) => rows.push(row));
    expect((await streamOutcome(stream, 10_000)).outcome).toBe('end');
    expect(rows).toEqual([{ slept: 0 }, { slept: 2 }]);
    expect((pool as unknown as MysqlPool).stats().totals.destroyed).toBe(0);
  }, 30_000);

  it('a PoolCluster namespace\'s stream on a frozen node (its idle connection lent at once) fails the same way', async () => {
    const cluster = createPoolCluster();
    pools.push({ end: (cb?: () => void) => cluster.end({ timeoutMs: 2000 }).finally(() => cb?.()) });
    cluster.add('N1', { host: server.host, port: server.port, user: 'root', database: 'test', ...options, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
    const ns = cluster.of('N*') as unknown as mysql.Pool;
    await warm(ns);
    server.freeze();
    const { outcome, ms } = await streamOutcome(ns.query('SELECT 1 AS n').stream(), 8000);
    expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(ms).toBeLessThan(6000);
  }, 30_000);

  it('the promise form with .on(\'result\') on a frozen server: its \'error\' listeners and its promise get POOL_SERVER_UNRESPONSIVE', async () => {
    const pool = ours() as unknown as MysqlPool;
    await holdOnly(pool as unknown as mysql.Pool);
    server.freeze();
    const heard: unknown[] = [];
    const running = pool.query('SELECT 1 AS n').on('result', () => undefined).on('error', (error) => heard.push(error));
    const error = await running.then(() => undefined, (e: unknown) => e);
    expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(heard).toEqual([error]);
  }, 30_000);
});
