// Issue 16: a real MariaDB primary and a replica replicating from it (both private, on free loopback
// ports): reads routed to the replica, fallback to the primary when it is down, and a read-only
// failover (1290) that moves writes to the newly writable host.
import { requirePrivateServer, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';

const check = requirePrivateServer('mariadb');
const app = { user: 'pool_app', password: 'app-pw', database: 'test' };

describe.skipIf(!check.available)('primary and replica', () => {
  let primary: PrivateMariadb;
  let replica: PrivateMariadb;
  let pool: MysqlPool | undefined;

  beforeAll(async () => {
    [primary, replica] = await Promise.all([
      startPrivateMariadb({ args: ['--log-bin=pool-bin', '--server-id=1', '--binlog-format=ROW'] }),
      startPrivateMariadb({ args: ['--server-id=2', '--read-only=1'] }),
    ]);
    await replica.sql(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_USE_GTID=slave_pos; START SLAVE;`);
    // a user without SUPER: read_only applies to it (root would write through)
    await primary.sql(`CREATE USER '${app.user}'@'127.0.0.1' IDENTIFIED BY '${app.password}'; GRANT ALL ON test.* TO '${app.user}'@'127.0.0.1'; CREATE TABLE test.writes (id INT AUTO_INCREMENT PRIMARY KEY, port INT);`);
    await vi.waitFor(async () => expect(await replica.sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 'writes'")).toContain('1'), { timeout: 20_000, interval: 100 });
  }, 90_000);
  afterAll(async () => {
    await Promise.all([primary?.dispose(), replica?.dispose()]);
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
  });

  const port = async (p: MysqlPool | ReturnType<MysqlPool['replica']>, options?: object) => {
    const [[row]] = await p.query<RowDataPacket[]>('SELECT @@port AS port', [], options);
    return row!.port as number;
  };

  it('reads go to the replica when asked ({ readOnly: true }, replica()), everything else to the primary; replication is real', async () => {
    pool = createMysqlPool({ primary: { host: '127.0.0.1', port: primary.port, ...app }, replicas: [{ port: replica.port }] });
    expect(await port(pool)).toBe(primary.port);
    expect(await port(pool, { readOnly: true })).toBe(replica.port);
    expect(await port(pool.replica())).toBe(replica.port);
    const conn = await pool.getConnection({ readOnly: true });
    const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@port AS port');
    conn.release();
    expect(row!.port).toBe(replica.port);
    const [inserted] = await pool.execute<import('mysql2').ResultSetHeader>('INSERT INTO writes (port) VALUES (@@port)');
    await vi.waitFor(async () => {
      const [rows] = await pool!.query<RowDataPacket[]>('SELECT port FROM writes WHERE id = ?', [inserted.insertId], { readOnly: true });
      expect(rows).toEqual([{ port: primary.port }]);
    }, { timeout: 10_000, interval: 50 });
    const streamed: unknown[] = [];
    for await (const r of pool.replica().query('SELECT @@port AS port').stream()) streamed.push(r);
    expect(streamed).toEqual([{ port: replica.port }]);
  }, 30_000);

  it('with the replica down, reads fall back to the primary; once it is back they return to it', async () => {
    pool = createMysqlPool({ primary: { host: '127.0.0.1', port: primary.port, ...app }, replicas: [{ port: replica.port }], pool: { acquireTimeoutMs: 2000 } });
    expect(await port(pool, { readOnly: true })).toBe(replica.port);
    await replica.stop();
    try {
      expect(await port(pool, { readOnly: true })).toBe(primary.port);
      expect(await port(pool, { readOnly: true })).toBe(primary.port);
    } finally {
      await replica.start();
    }
    await vi.waitFor(async () => expect(await port(pool!, { readOnly: true })).toBe(replica.port), { timeout: 15_000, interval: 200 });
  }, 40_000);

  it('failover: after the primary turns read-only and the replica writable, writes (1290 ER_OPTION_PREVENTS_STATEMENT) move to the writable host; none lands on the read-only one', async () => {
    pool = createMysqlPool({ hosts: [`127.0.0.1:${primary.port}`, `127.0.0.1:${replica.port}`], ...app, connectionLimit: 4 });
    const writes = () => Promise.all(Array.from({ length: 20 }, () => pool!.execute<import('mysql2').ResultSetHeader>('INSERT INTO writes (port) VALUES (@@port)')));
    await writes();
    const countOn = async (server: PrivateMariadb) => Number((await server.sql(`SELECT COUNT(*) FROM test.writes WHERE port = ${primary.port}`)).trim());
    const [[before]] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM writes');
    // the failover, as an orchestrator does it
    await replica.sql('STOP SLAVE; SET GLOBAL read_only = 0;');
    await primary.sql('SET GLOBAL read_only = 1;');
    const primaryRowsAtFlip = await countOn(primary);
    const results = await writes();
    expect(results).toHaveLength(20);
    expect(pool.stats().totals.destroyed).toBeGreaterThanOrEqual(1);
    expect(await port(pool)).toBe(replica.port);
    expect(await countOn(primary)).toBe(primaryRowsAtFlip);
    const onReplica = Number((await replica.sql(`SELECT COUNT(*) FROM test.writes WHERE port = ${replica.port}`)).trim());
    expect(onReplica).toBe(20);
    expect(before!.n).toBeGreaterThanOrEqual(20);
  }, 30_000);

  it('without several hosts, a read-only error reaches the caller and evicts every connection of the pool', async () => {
    pool = createMysqlPool({ host: '127.0.0.1', port: primary.port, ...app, connectionLimit: 3 });
    await Promise.all([0, 1, 2].map(() => pool!.query('SELECT SLEEP(0.05)')));
    expect(pool.stats().size).toBe(3);
    const error = await pool.execute('INSERT INTO writes (port) VALUES (1)').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ errno: 1290, code: 'ER_OPTION_PREVENTS_STATEMENT' });
    await vi.waitFor(() => expect(pool!.stats().totals.destroyed).toBe(3), { timeout: 5000 });
  });
});
