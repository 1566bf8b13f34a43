// Issue 14 items 2-3: per-call deadlines, AbortSignal, the one-shot retry that happens and the one that must not; tracing.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, type MysqlPool } from '../src/index.js';
import { adminConnection, connectionOptions, kill, serverHas, waitForStatement } from './helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('per-call deadlines and retries', () => {
  let admin: mysql.Connection;
  let pool: MysqlPool | undefined;
  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterAll(async () => {
    await admin.end();
  });
  afterEach(async () => {
    await pool?.end({ timeoutMs: 2000 });
    pool = undefined;
  });

  it('queryTimeoutMs (pool option): POOL_TIMEOUT phase query, the connection destroyed on both sides', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1, queryTimeoutMs: 300 });
    const [[first]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    const error = await pool.query('SELECT SLEEP(2)').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'query' });
    expect(pool.stats().totals.destroyed).toBe(1);
    const [[next]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(next!.id).not.toBe(first!.id);
    const deadline = Date.now() + 5000;
    while (await serverHas(admin, first!.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await serverHas(admin, first!.id)).toBe(false);
  });

  it('queryTimeoutMs per call overrides the pool (Infinity: none), in callback form too', async () => {
    pool = createMysqlPool({ ...connectionOptions(), queryTimeoutMs: 200 });
    const [[row]] = await pool.query<RowDataPacket[]>('SELECT SLEEP(0.5) AS s', undefined, { queryTimeoutMs: Infinity });
    expect(row!.s).toBe(0);
    const error = await new Promise((resolve) => pool!.execute('SELECT SLEEP(2)', [], { queryTimeoutMs: 100 }, resolve));
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'query' });
  });

  it('an AbortSignal aborts a running statement: POOL_ABORTED, the connection destroyed', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user went away')), 200);
    const error = await pool.query('SELECT SLEEP(5)', undefined, { signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('a connection that died while idle is never used: the call runs on a fresh one (not sent, so retried)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1, pool: { validateAfterIdleMs: Infinity } });
    const [[first]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    await kill(admin, first!.id);
    while (await serverHas(admin, first!.id)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const [[next]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    expect(next!.id).not.toBe(first!.id);
  });

  it('a statement that may have run is never retried: a connection killed mid-query fails the call with a code', async () => {
    pool = createMysqlPool({ ...connectionOptions(), connectionLimit: 1 });
    const [[first]] = await pool.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    const running = pool.query('SELECT SLEEP(3)').then(() => undefined, (e: unknown) => e);
    await waitForStatement(admin, first!.id, 'SELECT SLEEP');
    await kill(admin, first!.id);
    const error = await running as { code?: unknown };
    expect(typeof error.code).toBe('string');
    expect(pool.stats().totals.created).toBe(1);
  });

  it('every query and execute goes through traceCall (pool:call, adapter mysql)', async () => {
    pool = createMysqlPool({ ...connectionOptions(), pool: { name: 'traced' } });
    const seen: Array<{ adapter: string; operation: string; statement?: string }> = [];
    const onStart = (message: unknown) => seen.push(message as never);
    subscribe('tracing:pool:call:start', onStart);
    try {
      await pool.query('SELECT 1 AS a');
      await new Promise((resolve) => pool!.execute('SELECT 2 AS b', resolve));
    } finally {
      unsubscribe('tracing:pool:call:start', onStart);
    }
    expect(seen.map((s) => [s.adapter, s.operation, s.statement])).toEqual([['mysql', 'query', 'SELECT 1 AS a'], ['mysql', 'execute', 'SELECT 2 AS b']]);
  });
});
