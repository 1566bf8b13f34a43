// A server out of room (1040 "Too many connections") on a private MariaDB with a small max_connections:
// the caller keeps the server's error, the pool does not hammer the full server with logins, and a
// freed slot is taken soon.
import { requirePrivateServer, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';

const check = requirePrivateServer('mariadb');

describe.skipIf(!check.available)('a server with no room for another connection (1040)', () => {
  let server: PrivateMariadb;
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;
  const hogs: mysql.Connection[] = [];
  const options = () => ({ host: server.host, port: server.port, user: 'root', database: 'test' });

  beforeAll(async () => {
    server = await startPrivateMariadb({ args: ['--max-connections=10'] }); // MariaDB's smallest
    admin = await mysql.createConnection(options());
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await server?.dispose();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
    for (const hog of hogs.splice(0)) await hog.end().catch(() => undefined);
  });

  /** Opens plain connections until the server refuses one with 1040. */
  async function fill(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      try {
        hogs.push(await mysql.createConnection(options()));
      } catch (error) {
        expect(error).toMatchObject({ errno: 1040 });
        return;
      }
    }
    throw new Error('the server never ran out of room');
  }

  const refusedLogins = async () => {
    const [[row]] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Connection_errors_max_connections'");
    return Number(row!.Value);
  };

  it('a caller that cannot be served gets ER_CON_COUNT_ERROR by its deadline, and the full server sees a few paced logins, not a loop', async () => {
    pool = createMysqlPool({ ...options(), connectionLimit: 4, pool: { acquireTimeoutMs: 2000 } });
    const held = await pool.getConnection(); // the pool has connected; the next caller needs a second connection
    await fill();
    const before = await refusedLogins();
    const started = performance.now();
    const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'ER_CON_COUNT_ERROR', errno: 1040 });
    expect(elapsed).toBeGreaterThan(1500);
    expect(elapsed).toBeLessThan(4000);
    // paced: 100 ms doubling to 1 s gives about 5 in 2 s (retried every ~30 ms it was about 70)
    expect(await refusedLogins() - before).toBeLessThanOrEqual(15);
    held.release();
  }, 20_000);

  it('a caller waiting while the server is full is served once a slot frees (within about the pacing cap)', async () => {
    pool = createMysqlPool({ ...options(), connectionLimit: 4, pool: { acquireTimeoutMs: 8000 } });
    const held = await pool.getConnection();
    await fill();
    const waiting = pool.query<RowDataPacket[]>('SELECT 7 AS n').then(([[row]]) => ({ n: row!.n as number, at: performance.now() }));
    await new Promise((resolve) => setTimeout(resolve, 2500)); // long enough for the pacing to reach its 1 s cap
    const freedAt = performance.now();
    await hogs.pop()!.end();
    const { n, at } = await waiting;
    expect(n).toBe(7);
    expect(at - freedAt).toBeLessThan(3000); // the cap is 1 s; generous for a busy 2-core machine
    held.release();
  }, 20_000);
  it('before the first connection, with one slot free: mysql2 serves a caller on it, and so do we (the others get 1040, or are served on that connection)', async () => {
    await fill();
    await hogs.pop()!.end();
    const threads = async () => {
      const [[row]] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
      return Number(row!.Value);
    };
    const oneFree = await threads();
    const three = (target: { query(sql: string): Promise<unknown> }) => Promise.all([1, 2, 3].map(() => target.query('SELECT 1').then(() => 'ok', (e: unknown) => e)));
    const theirsPool = mysql.createPool({ ...options(), connectionLimit: 3 });
    const theirs = await three(theirsPool);
    await theirsPool.end();
    for (let i = 0; i < 100 && await threads() > oneFree; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    pool = createMysqlPool({ ...options(), connectionLimit: 3, pool: { acquireTimeoutMs: 5000 } });
    const ours = await three(pool);
    expect(theirs.filter((o) => o === 'ok').length).toBeGreaterThan(0);
    expect(ours.filter((o) => o === 'ok').length).toBeGreaterThan(0); // before: the first 1040 failed all three
    for (const error of [...theirs, ...ours].filter((o) => o !== 'ok')) expect(error).toMatchObject({ errno: 1040 });
  }, 20_000);
});
