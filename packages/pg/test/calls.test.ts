import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgPool, type PgPool, type PgPoolConfig } from '../src/index.js';
import { pgUrl, pidOf, sleep, waitForRunning } from './helpers.js';

const svc = await requireService('pg');

function socketOf(client: pg.Client): { destroy(): void } {
  return (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
}

describe.skipIf(!svc.available)('@pool/pg ready-made calls: one safe retry, deadlines, stable codes, borrower listeners, tracing', () => {
  let pool: PgPool | undefined;
  afterEach(async () => {
    if (pool !== undefined && !pool.ending) await pool.end();
    pool = undefined;
  });
  function open(config: PgPoolConfig = {}): PgPool {
    pool = createPgPool({ connectionString: pgUrl, application_name: `pool-pg-calls-${process.pid}`, max: 2, ...config });
    return pool;
  }

  it('retries once on another connection when the socket closed before the statement was written', async () => {
    const p = open();
    const first = await p.connect();
    const deadPid = pidOf(first);
    first.release();
    let broke = false;
    p.on('acquire', (client) => {
      // the lent client's socket closes between lend and write: the statement provably never left
      if (!broke) {
        broke = true;
        socketOf(client).destroy();
      }
    });
    const acquiredBefore = p.stats().totals.acquired;
    const { rows } = await p.query('SELECT pg_backend_pid() AS pid');
    expect(rows[0].pid).not.toBe(deadPid);
    expect(p.stats().totals.acquired - acquiredBefore).toBe(2);
  });

  it('never retries a statement that may have run: the connection dies mid-query, the caller gets pg\'s error with code POOL_CONNECTION_LOST', async () => {
    const applicationName = `pool-pg-noretry-${process.pid}`;
    const p = open({ application_name: applicationName });
    let lent: pg.Client | undefined;
    p.on('acquire', (client) => (lent = client));
    const acquiredBefore = p.stats().totals.acquired;
    const call = p.query('SELECT pg_sleep(3)').catch((error: unknown) => error);
    await waitForRunning(applicationName, 'SELECT pg_sleep');
    socketOf(lent as pg.Client).destroy();
    const error = (await call) as Error & { code?: string };
    expect(error).toBeInstanceOf(Error);
    expect(isPoolError(error)).toBe(false); // the driver's own error, class kept
    expect(error.message).toMatch(/^Connection terminated/);
    expect(error.code).toBe('POOL_CONNECTION_LOST');
    expect(p.stats().totals.acquired - acquiredBefore).toBe(1);
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });

  it('queryTimeoutMs (pool-wide and per call): POOL_TIMEOUT phase query by the deadline, the connection destroyed, never reused', async () => {
    const p = open({ queryTimeoutMs: 400 });
    const started = performance.now();
    const error = await p.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect((error as { phase: string }).phase).toBe('query');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2000);
    expect(p.stats().totals.destroyed).toBe(1);
    // per call: longer than the pool's, and 0 = none for this call
    expect((await p.query({ text: 'SELECT pg_sleep(0.6), 1 AS ok', queryTimeoutMs: 3000 } as unknown as string)).rows[0].ok).toBe(1);
    const perCall = await p.query({ text: 'SELECT pg_sleep(5)', queryTimeoutMs: 200 } as unknown as string).catch((e: unknown) => e);
    expect((perCall as { phase?: string }).phase).toBe('query');
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });

  it('an AbortSignal cuts the call: POOL_ABORTED, the connection destroyed', async () => {
    const p = open();
    const controller = new AbortController();
    const call = p.query({ text: 'SELECT pg_sleep(5)', signal: controller.signal } as unknown as string).catch((e: unknown) => e);
    await sleep(200);
    controller.abort(new Error('user gave up'));
    const error = await call;
    expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
    expect(p.stats().totals.destroyed).toBe(1);
  });

  it('no deadline by default (as pg.Pool): a 2 s statement runs to the end', async () => {
    const p = open();
    expect((await p.query('SELECT pg_sleep(2), 1 AS ok')).rows[0].ok).toBe(1);
  });

  it("listeners a borrower added (notice, notification, error, end) are gone when the next borrower gets the client", async () => {
    const p = open({ max: 1 });
    const seenByA: unknown[] = [];
    const a = await p.connect();
    const pid = pidOf(a);
    for (const event of ['notice', 'notification', 'error', 'end'] as const) a.on(event, (message: unknown) => seenByA.push([event, message]));
    a.release();
    const b = await p.connect();
    expect(pidOf(b)).toBe(pid);
    const seenByB: string[] = [];
    b.on('notice', (notice: { message?: string }) => seenByB.push(notice.message ?? ''));
    await b.query("DO $$ BEGIN RAISE NOTICE 'for b only'; END $$");
    await sleep(20);
    b.release();
    expect(seenByB).toEqual(['for b only']);
    expect(seenByA).toEqual([]);
    expect(b.listenerCount('notice')).toBe(0);
    // the pool's own 'error' listener is still there: an idle error never crashes the process
    expect(b.listenerCount('error')).toBeGreaterThanOrEqual(1);
  });

  it('query and transaction go through the pool:call TracingChannel with adapter pg and the SQL text only', async () => {
    const p = open();
    const seen: Array<Record<string, unknown>> = [];
    const onStart = (message: unknown) => seen.push({ ...(message as Record<string, unknown>) });
    subscribe('tracing:pool:call:start', onStart);
    try {
      await p.query('SELECT $1::text AS secret_value', ['value-never-traced']);
      await p.transaction(async (client) => client.query('SELECT 1'));
    } finally {
      unsubscribe('tracing:pool:call:start', onStart);
    }
    expect(seen.map((c) => [c.adapter, c.operation, c.statement])).toEqual([
      ['pg', 'query', 'SELECT $1::text AS secret_value'],
      ['pg', 'transaction', 'BEGIN'],
    ]);
    expect(JSON.stringify(seen)).not.toContain('value-never-traced');
  });
});
