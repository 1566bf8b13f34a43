// reliability.md row 16: the server dropped connections while they sat idle (a restart, wait_timeout).
// The shared MariaDB is never restarted: `KILL <id>` from an admin connection does the same to each connection.
import { createPool } from '@pool/core';
import { requireService, statsViolations, waitUntil } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, isFatalMysqlError, mysqlProvider, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions, kill, serverHas } from './helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('row 16: connections killed by the server while idle', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;
  const errors: unknown[] = [];

  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
    errors.length = 0;
  });
  afterAll(async () => {
    await admin.end();
  });

  /** Opens `n` connections at once and returns their server-side ids; they end up idle. */
  async function warm(target: MysqlPool, n: number): Promise<number[]> {
    const held = await Promise.all(Array.from({ length: n }, () => target.getConnection()));
    const ids = held.map((connection) => connection.threadId);
    for (const connection of held) connection.release();
    return ids;
  }

  async function killAll(ids: number[]): Promise<void> {
    for (const id of ids) await kill(admin, id);
    for (const id of ids) {
      const deadline = Date.now() + 3000;
      while (await serverHas(admin, id)) {
        if (Date.now() > deadline) throw new Error(`connection ${id} still listed 3 s after KILL`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  it('stale connections are detected (their end event, or the COM_PING) and replaced: every query after succeeds', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 3, validateAfterIdleMs: 0 } });
    pool.pool.on('error', (error) => errors.push(error));
    const killed = await warm(pool, 3);
    await killAll(killed);
    const started = performance.now();
    const seen = await Promise.all([0, 1, 2].map(async () => {
      const [[row]] = await pool!.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      return row!.id as number;
    }));
    expect(performance.now() - started).toBeLessThan(1500);
    for (const id of seen) expect(killed).not.toContain(id);
    const stats = pool.stats();
    expect(stats.totals.destroyed).toBe(3);
    expect(statsViolations(stats)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('without any ping (validateAfterIdleMs: Infinity) isBroken alone keeps killed connections from being handed out', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 2, validateAfterIdleMs: Infinity } });
    const connections: mysql.Connection[] = [];
    pool.pool.on('create', ({ resource }) => connections.push(resource));
    const killed = await warm(pool, 2);
    await killAll(killed);
    // mysql2 sees the server's FIN as 'end' and PROTOCOL_CONNECTION_LOST: wait until isBroken reports both
    const { isBroken } = mysqlProvider(connectionOptions());
    await waitUntil(() => connections.length === 2 && connections.every((connection) => isBroken!(connection)), 'mysql2 to report the killed connections');
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(killed).not.toContain(row!.id);
    expect(pool.stats().totals.destroyed).toBeGreaterThanOrEqual(1);
    expect(statsViolations(pool.stats())).toEqual([]);
  });

  it('a connection killed while borrowed fails that one query with a clear fatal error, is destroyed, and the next query works', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { max: 1 } });
    const connection = await pool.getConnection();
    const id = connection.threadId;
    await kill(admin, id);
    const failure = await connection.query('SELECT 1').then(() => undefined, (error: unknown) => error);
    expect(failure, 'the query on a killed connection must fail').toBeDefined();
    expect(isFatalMysqlError(failure)).toBe(true);
    expect(String((failure as Error).message)).toMatch(/closed|lost|killed|gone|ended/i);
    connection.release();
    expect(pool.stats().totals.destroyed).toBe(1);
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(row!.id).not.toBe(id);
  });

  it('an idle connection killed with no query running never crashes the process: its error is absorbed, the pool replaces it', async () => {
    const provider = mysqlProvider(connectionOptions());
    const core = createPool(provider, { min: 2, max: 2, validateAfterIdleMs: Infinity, name: 'idle-kill' });
    try {
      await core.ready();
      const idle = await Promise.all([core.acquire(), core.acquire()]);
      const ids = idle.map((lease) => lease.resource.threadId);
      for (const lease of idle) lease.release();
      await killAll(ids);
      await waitUntil(() => idle.every((lease) => provider.isBroken!(lease.resource)), 'mysql2 to report the killed connections');
      // the maintenance pass or the next acquire retires them; min 2 refills with fresh ones
      const lease = await core.acquire();
      expect(ids).not.toContain(lease.resource.threadId);
      lease.release();
      await waitUntil(() => core.stats().size === 2 && core.stats().creating === 0, 'the pool back at min');
      expect(statsViolations(core.stats())).toEqual([]);
    } finally {
      await core.close({ timeoutMs: 2000 });
    }
  });
});
