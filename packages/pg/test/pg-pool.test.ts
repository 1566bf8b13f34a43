import { isPoolError } from '@pool/core';
import { requireService, waitUntil, within } from '@pool/testkit';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPgPool, PgPool, type PgPoolClient, type PgPoolConfig } from '../src/index.js';
import { pgUrl, pidOf, terminate, withAdmin } from './helpers.js';

const svc = await requireService('pg');
// a table of this run's own: the server is shared, and two concurrent CREATE TABLE IF NOT EXISTS of one name can fail
const txTable = `pool_pg_tx_${process.pid}`;

describe.skipIf(!svc.available)('@pool/pg createPgPool: the pg.Pool-compatible surface', () => {
  let pool: PgPool | undefined;
  afterEach(async () => {
    if (pool !== undefined && !pool.ending) await pool.end();
    pool = undefined;
  });
  afterAll(async () => {
    await withAdmin((admin) => admin.query(`DROP TABLE IF EXISTS ${txTable}`));
  });

  function open(config: PgPoolConfig = {}): PgPool {
    pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-pool', max: 3, ...config });
    return pool;
  }

  it('query(text, values), query(config), rowMode array, and the callback forms', async () => {
    const p = open();
    expect((await p.query('SELECT $1::int + $2::int AS sum', [2, 3])).rows).toEqual([{ sum: 5 }]);
    expect((await p.query({ text: 'SELECT $1::text AS t', values: ['x'] })).rows).toEqual([{ t: 'x' }]);
    expect((await p.query({ text: 'SELECT 1, 2', rowMode: 'array' })).rows).toEqual([[1, 2]]);
    const viaCallback = await new Promise<unknown>((resolve, reject) => {
      p.query('SELECT $1::int AS n', [7], (error, result) => (error ? reject(error) : resolve(result.rows)));
    });
    expect(viaCallback).toEqual([{ n: 7 }]);
    const noValues = await new Promise<unknown>((resolve, reject) => {
      p.query('SELECT 8 AS n', (error, result) => (error ? reject(error) : resolve(result.rows)));
    });
    expect(noValues).toEqual([{ n: 8 }]);
    expect(p.totalCount).toBeGreaterThanOrEqual(1);
    expect(p.idleCount).toBe(p.totalCount);
    expect(p.waitingCount).toBe(0);
  });

  it('a statement error rejects with pg\'s DatabaseError and keeps the client; a Submittable is refused with a clear code', async () => {
    const p = open({ max: 1 });
    await p.query('SELECT 1');
    await expect(p.query('SELECT * FROM no_such_table_xyz')).rejects.toMatchObject({ code: '42P01' });
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    expect(p.stats().totals.destroyed).toBe(0);
    const submittable = { submit: () => {} };
    await expect(p.query(submittable as never)).rejects.toMatchObject({ code: 'PG_SUBMITTABLE_NOT_SUPPORTED' });
  });

  it('after a statement error the client is idle again when the caller hears it: the next call takes it, no second connection is opened', async () => {
    // found with @prisma/adapter-pg (test/compat/): each failed pool.query left its client waiting for the
    // ReadyForQuery behind the error, so the caller's next call, made at once, opened another connection
    const p = open({ max: 4 });
    await p.query('SELECT 1');
    const failing: Array<string | { text: string; values?: unknown[]; name?: string }> = [
      'SELECT * FROM no_such_table_xyz',
      { text: 'SELECT 1 / $1::int', values: [0] },
      { name: 'pool-pg-failing-named', text: 'SELECT 1 / $1::int', values: [0] },
      'SELECT 1; SELEC 2',
    ];
    for (const statement of failing) {
      await expect(p.query(statement as never)).rejects.toHaveProperty('severity', 'ERROR');
      expect([p.totalCount, p.idleCount], JSON.stringify(statement)).toEqual([1, 1]);
      expect((await p.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    }
    const viaCallback = await new Promise<unknown>((resolve) => p.query('SELEC 1', (error) => resolve([error !== undefined, p.totalCount, p.idleCount])));
    expect(viaCallback).toEqual([true, 1, 1]);
    expect(p.stats()).toMatchObject({ size: 1, creating: 0, totals: { created: 1, destroyed: 0 } });
  });

  it('connect() lends a client with release(); release(err) destroys it; a second release throws POOL_LEASE_RELEASED', async () => {
    const p = open({ max: 1 });
    const client = await p.connect();
    expect(p.idleCount).toBe(0);
    await client.query('SELECT 1');
    client.release();
    expect(p.idleCount).toBe(1);
    expect(() => client.release()).toThrow(expect.objectContaining({ code: 'POOL_LEASE_RELEASED' }));
    const again = await p.connect();
    expect(again).toBe(client);
    again.release(new Error('this client looks bad'));
    await waitUntil(() => p.stats().totals.destroyed === 1, 'the client to be destroyed');
    const fresh = await p.connect();
    expect(fresh).not.toBe(client);
    fresh.release(true); // pg.Pool: release(true) destroys as well
    await waitUntil(() => p.stats().totals.destroyed === 2, 'the second client to be destroyed');
  });

  it('connect(callback) with done()', async () => {
    const p = open();
    const rows = await new Promise<unknown>((resolve, reject) => {
      p.connect((error, client, done) => {
        if (error || client === undefined) return reject(error);
        client.query('SELECT 3 AS n').then((result) => {
          done();
          resolve(result.rows);
        }, reject);
      });
    });
    expect(rows).toEqual([{ n: 3 }]);
    expect(p.idleCount).toBe(1);
  });

  it("emits pg.Pool's connect, acquire, release and remove events", async () => {
    const p = open({ max: 1 });
    const seen: string[] = [];
    p.on('connect', (client) => seen.push(`connect:${client instanceof pg.Client}`));
    p.on('acquire', () => seen.push('acquire'));
    p.on('release', (error: unknown) => seen.push(`release:${error == null ? 'ok' : 'err'}`));
    p.on('remove', () => seen.push('remove'));
    await p.query('SELECT 1');
    const client = await p.connect();
    client.release(new Error('drop it'));
    await waitUntil(() => seen.includes('remove'), 'the remove event');
    expect(seen).toEqual(['connect:true', 'acquire', 'release:ok', 'acquire', 'release:err', 'remove']);
  });

  it('is accepted as a pg.Pool: instanceof, options, counters, ending/ended', async () => {
    const p = open({ max: 4, idleTimeoutMillis: 5000, password: 'not-shown' });
    expect(p).toBeInstanceOf(pg.Pool);
    expect(p.options.max).toBe(4);
    expect(p.options.idleTimeoutMillis).toBe(5000);
    expect(Object.keys(p.options)).not.toContain('password');
    expect(p.core.options.idleTimeoutMs).toBe(5000);
    expect(p.expiredCount).toBe(0);
    expect(p.ending).toBe(false);
    const ending = p.end();
    expect(p.ending).toBe(true);
    await ending;
    expect(p.ended).toBe(true);
    await expect(p.query('SELECT 1')).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_CLOSED'));
    // a second end() rejects, as pg.Pool's does
    await expect(p.end()).rejects.toThrow('Called end on pool more than once');
  });

  it('stats() counts clients as they are lent and returned, and end() closes every backend on the server', async () => {
    const applicationName = `pool-pg-end-${process.pid}`;
    const p = open({ application_name: applicationName, max: 3 });
    const clients = await Promise.all([p.connect(), p.connect(), p.connect()]);
    expect(p.stats()).toMatchObject({ size: 3, borrowed: 3, idle: 0, pending: 0, max: 3 });
    const pids = clients.map((client) => pidOf(client));
    for (const client of clients) client.release();
    expect(p.stats()).toMatchObject({ size: 3, borrowed: 0, idle: 3 });
    expect(p.stats().totals).toMatchObject({ created: 3, destroyed: 0, acquired: 3 });
    await p.end();
    expect(p.stats()).toMatchObject({ size: 0, closed: true });
    expect(p.stats().totals.destroyed).toBe(3);
    const left = await withAdmin(async (admin) => {
      const deadline = Date.now() + 3000;
      for (;;) {
        const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
        if (rows.length === 0 || Date.now() > deadline) return rows;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    expect(left).toEqual([]);
  });

  it('transaction(fn): COMMIT on success', async () => {
    const p = open();
    await p.query(`CREATE TABLE IF NOT EXISTS ${txTable} (id text PRIMARY KEY, n int)`);
    const id = `commit-${process.pid}-${Date.now()}`;
    try {
      const out = await p.transaction(async (client) => {
        await client.query(`INSERT INTO ${txTable} VALUES ($1, 1)`, [id]);
        return 'done';
      });
      expect(out).toBe('done');
      expect((await p.query(`SELECT n FROM ${txTable} WHERE id = $1`, [id])).rows).toEqual([{ n: 1 }]);
    } finally {
      await p.query(`DELETE FROM ${txTable} WHERE id = $1`, [id]);
    }
  });

  it('transaction(fn): a throw rolls back every write and rethrows the same error; the client is reused, idle', async () => {
    const p = open({ max: 1 });
    await p.query(`CREATE TABLE IF NOT EXISTS ${txTable} (id text PRIMARY KEY, n int)`);
    const id = `rollback-${process.pid}-${Date.now()}`;
    const boom = new Error('boom');
    let inside: PgPoolClient | undefined;
    await expect(
      p.transaction(async (client) => {
        inside = client;
        await client.query(`INSERT INTO ${txTable} VALUES ($1, 1)`, [id]);
        expect(client.getTransactionStatus()).toBe('T');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await p.query(`SELECT count(*)::int AS n FROM ${txTable} WHERE id = $1`, [id])).rows[0].n).toBe(0);
    const next = await p.connect();
    expect(next).toBe(inside);
    expect(next.getTransactionStatus()).toBe('I');
    next.release();
  });

  it('transaction(fn, { isolationLevel, readOnly }) runs BEGIN with them; bad levels are refused before any query', async () => {
    const p = open();
    const level = await p.transaction(async (client) => (await client.query('SHOW transaction_isolation')).rows[0].transaction_isolation, { isolationLevel: 'serializable' });
    expect(level).toBe('serializable');
    const readOnly = await p.transaction(async (client) => (await client.query('SHOW transaction_read_only')).rows[0].transaction_read_only, { isolationLevel: 'REPEATABLE READ', readOnly: true });
    expect(readOnly).toBe('on');
    await expect(p.transaction(async () => 1, { isolationLevel: 'snapshot; DROP TABLE x' as never })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'isolationLevel' });
  });

  it('transaction(fn): an error swallowed inside turns COMMIT into ROLLBACK, reported as PG_TRANSACTION_ROLLED_BACK', async () => {
    const p = open();
    await expect(
      p.transaction(async (client) => {
        await client.query('SELECT 1/0').catch(() => undefined);
      }),
    ).rejects.toMatchObject({ code: 'PG_TRANSACTION_ROLLED_BACK' });
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });

  it('transaction(fn) where fn releases its client: no COMMIT lands on the next borrower, whose lease stays its own; POOL_LEASE_RELEASED', async () => {
    const p = open({ max: 1 });
    await p.query(`CREATE TABLE IF NOT EXISTS ${txTable} (id text PRIMARY KEY, n int)`);
    const id = `misuse-${process.pid}-${Date.now()}`;
    let borrower: PgPoolClient | undefined;
    const outcome = await p
      .transaction(async (client) => {
        await client.query(`INSERT INTO ${txTable} VALUES ($1, 1)`, [`${id}-a`]);
        client.release(); // misuse: the release rolls the transaction back and lends the client on
        borrower = await p.connect();
        expect(borrower).toBe(client);
        await borrower.query('BEGIN');
        await borrower.query(`INSERT INTO ${txTable} VALUES ($1, 2)`, [`${id}-b`]);
        return 'returned';
      })
      .then((value) => value, (error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'POOL_LEASE_RELEASED' });
    // the other borrower's transaction is untouched (no COMMIT or ROLLBACK from transaction()) and its release is its own
    expect(borrower!.getTransactionStatus()).toBe('T');
    expect(p.stats().borrowed).toBe(1);
    borrower!.release();
    const { rows } = await p.query(`SELECT count(*)::int AS n FROM ${txTable} WHERE id LIKE $1`, [`${id}%`]);
    expect(rows[0].n).toBe(0);
  });

  it('acquire({ signal, timeoutMs }) and transaction(fn, { signal }) reject with POOL_ABORTED / POOL_TIMEOUT while every client is held', async () => {
    const p = open({ max: 1 });
    const held = await p.connect();
    const controller = new AbortController();
    const waiting = p.acquire({ signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_ABORTED'));
    await expect(p.transaction(async () => 1, { signal: AbortSignal.abort() })).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_ABORTED'));
    const started = performance.now();
    await expect(p.acquire({ timeoutMs: 100 })).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_TIMEOUT'));
    expect(performance.now() - started).toBeLessThan(400);
    held.release();
    expect(p.waitingCount).toBe(0);
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });

  it('await using closes the pool at the end of the scope', async () => {
    let inner: PgPool | undefined;
    {
      await using scoped = createPgPool({ connectionString: pgUrl, max: 1 });
      inner = scoped;
      await scoped.query('SELECT 1');
    }
    expect(inner.ended).toBe(true);
    expect(inner.totalCount).toBe(0);
  });

  it('row 16: idle backends killed with pg_terminate_backend never crash the process; stale clients are replaced and the next query succeeds', async () => {
    const p = open({ max: 3, pool: { validateAfterIdleMs: 0 } });
    const idleErrors: Error[] = [];
    const clients = await Promise.all([p.connect(), p.connect(), p.connect()]);
    const pids = clients.map((client) => pidOf(client));
    for (const client of clients) client.release();
    await Promise.all(pids.map((pid) => terminate(pid)));
    // no 'error' listener on the pool yet: pg.Pool would crash here, this must not
    await waitUntil(() => p.stats().totals.destroyed === 3 || clients.every((c) => p.provider.isBroken(c)), 'the clients to notice', 3000);
    const started = performance.now();
    const { rows } = await p.query('SELECT pg_backend_pid() AS pid');
    expect(performance.now() - started).toBeLessThan(1500);
    expect(pids).not.toContain(rows[0].pid);
    // with a listener, idle errors are reported like pg.Pool's
    p.on('error', (error) => idleErrors.push(error));
    const client = await p.connect();
    const pid = pidOf(client);
    client.release();
    // listened to after release: listeners a borrower adds are removed when it gives the client back
    const ended = new Promise((resolve) => client.once('end', resolve));
    await terminate(pid);
    await waitUntil(() => idleErrors.length > 0, "the pool's 'error' event");
    // pg emits every error of a dying client before its 'end': once it ended, no second error can follow
    await within(ended, 3000, "the killed client's 'end' event");
    expect(idleErrors).toHaveLength(1); // once per client, like pg.Pool
    expect(idleErrors[0]!.message).toMatch(/terminat/i);
    expect((await p.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });

  it('row 16 without validation: the first query after a kill fails at most once with a clear error, then succeeds', async () => {
    const p = open({ max: 1, pool: { validateAfterIdleMs: Infinity } });
    const client = await p.connect();
    const pid = pidOf(client);
    client.release();
    await withAdmin((admin) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        await p.query('SELECT 1');
        outcomes.push('ok');
      } catch (error) {
        outcomes.push(`error:${(error as Error).message}`);
      }
    }
    expect(outcomes.filter((o) => o !== 'ok').length).toBeLessThanOrEqual(1);
    for (const outcome of outcomes.filter((o) => o !== 'ok')) expect(outcome).toMatch(/terminat|not queryable|Connection/i);
    expect(outcomes.at(-1)).toBe('ok');
  });
});
