import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPgPool, type PgPool } from '../../src/index.js';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

const svc = await requireService('pg');

/** Calls `fn` with a node-style callback and resolves with the arguments it was called with. */
function callbackArgs(fn: (cb: (...args: unknown[]) => void) => void): Promise<unknown[]> {
  return new Promise((resolve) => fn((...args) => resolve(args)));
}

describe.skipIf(!svc.available)('side by side with pg.Pool: queries, connect, events, counters', () => {
  it('query(text, values) and query(config) resolve with the same rows, fields and command', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const a = await pool.query('SELECT $1::int + 1 AS n, $2::text AS t', [41, 'x']);
      const b = await pool.query({ text: 'SELECT 1 AS a, 2 AS b', rowMode: 'array' });
      return { rows: [a.rows, b.rows], command: a.command, rowCount: a.rowCount, fields: a.fields.map((f) => [f.name, f.dataTypeID]) };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.rows).toEqual([[{ n: 42, t: 'x' }], [[1, 2]]]);
  });

  it('the callback forms query(sql, cb), query(sql, values, cb) and connect(cb) call back with the same arguments, never synchronously', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      let sync = true;
      const noValues = callbackArgs((cb) => pool.query('SELECT 1 AS n', cb as never));
      const withValues = callbackArgs((cb) => pool.query('SELECT $1::int AS n', [2], cb as never));
      const connected = callbackArgs((cb) => pool.connect(cb as never));
      sync = false;
      const [e1, r1] = await noValues;
      const [e2, r2] = await withValues;
      const [e3, client, done] = await connected;
      (done as (err?: unknown) => void)();
      return {
        sync,
        first: [e1, (r1 as pg.QueryResult).rows],
        second: [e2, (r2 as pg.QueryResult).rows],
        connect: [e3, typeof (client as pg.PoolClient).query, typeof done],
      };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.first).toEqual([undefined, [{ n: 1 }]]);
  });

  it('a statement error is the same DatabaseError (class, code, severity, routine) in both forms', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const promised = await pool.query('SELECT * FROM pool_pg_no_such_table').catch((error: unknown) => error);
      const [called] = await callbackArgs((cb) => pool.query('SELECT * FROM pool_pg_no_such_table', cb as never));
      return [describeError(promised), describeError(called)];
    });
    expect(ours).toEqual(theirs);
    expect(theirs[0]).toMatchObject({ class: 'DatabaseError', code: '42P01' });
  });

  it('a function as the query is refused with pg.Pool\'s message', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const [error] = await callbackArgs((cb) => (pool.query as (cb: unknown) => void)(cb));
      return describeError(error);
    });
    expect(ours).toEqual(theirs);
    expect(theirs.message).toBe('Passing a function as the first parameter to pool.query is not supported');
  });

  it('events come in the same order: connect, acquire, release, and remove on end()', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const seen: string[] = [];
      for (const event of ['connect', 'acquire', 'release', 'remove'] as const) {
        pool.on(event, (...args: unknown[]) => seen.push(`${event}:${args.length}`));
      }
      const client = await pool.connect();
      seen.push('connected');
      client.release();
      await pool.query('SELECT 1');
      await pool.end();
      await sleep(50);
      return seen;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual(['connect:1', 'acquire:1', 'connected', 'release:2', 'acquire:1', 'release:2', 'remove:1']);
  });

  it('release(err) emits release with the error and removes the client; the counters agree at each step', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 3 }));
      const counts = () => [pool.totalCount, pool.idleCount, pool.waitingCount];
      const steps: unknown[] = [counts()];
      const released: unknown[] = [];
      pool.on('release', (error) => released.push(error instanceof Error ? error.message : error));
      const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
      steps.push(counts());
      a.release();
      steps.push(counts());
      b.release(new Error('bad client'));
      await sleep(50);
      steps.push(counts());
      return { steps, released };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.steps).toEqual([[0, 0, 0], [2, 0, 0], [2, 1, 0], [1, 1, 0]]);
  });

  it('options: max defaults to 10, poolSize is an alias of max, idleTimeoutMillis defaults to 10000, allowExitOnIdle to false', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const plain = make(baseConfig()).options;
      const sized = make(baseConfig({ poolSize: 3 })).options;
      return [plain.max, plain.idleTimeoutMillis, plain.allowExitOnIdle, sized.max];
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([10, 10000, false, 3]);
  });

  it('log receives the pool\'s log lines as (message, ...) calls', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const lines: unknown[] = [];
      const pool = make(baseConfig({ log: (...args: unknown[]) => lines.push(args[0]) }));
      await pool.query('SELECT 1');
      await pool.end();
      return lines.length > 0 && lines.every((line) => typeof line === 'string');
    });
    expect(ours).toBe(true);
    expect(theirs).toBe(true);
  });

  it('DIFFERENCE (documented): releasing twice throws POOL_LEASE_RELEASED; pg.Pool throws a plain Error', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const client = await pool.connect();
      client.release();
      try {
        client.release();
        return undefined;
      } catch (error) {
        return error;
      }
    });
    expect(describeError(theirs)).toMatchObject({ class: 'Error', message: 'Release called on client which has already been released to the pool.' });
    expect(isPoolError(ours, 'POOL_LEASE_RELEASED')).toBe(true);
  });

  it('DIFFERENCE (documented): a statement error keeps the client (pg.Pool closes it); the counters say so', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      await pool.query('SELECT 1');
      await pool.query('SELECT * FROM pool_pg_no_such_table').catch(() => {});
      await sleep(50);
      return pool.totalCount;
    });
    expect(theirs).toBe(0);
    expect(ours).toBe(1);
  });

  it('opens a connection for each waiting caller at once, up to max, as pg.Pool does', async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const pool = make(baseConfig({ max: 9 }));
      const lent = Array.from({ length: 5 }, () => pool.connect());
      const connecting = name === 'pg.Pool' ? pool.totalCount : (pool as unknown as PgPool).stats().creating;
      for (const client of await Promise.all(lent)) client.release();
      return connecting;
    });
    expect(ours).toBe(theirs);
    expect(ours).toBe(5);
  });

  it('pool.maxConcurrentCreates caps the connects in flight when set', async () => {
    const pool = createPgPool(baseConfig({ max: 9, pool: { maxConcurrentCreates: 2 } }));
    try {
      const lent = Array.from({ length: 5 }, () => pool.connect());
      expect(pool.stats().creating).toBe(2);
      for (const client of await Promise.all(lent)) client.release();
    } finally {
      await pool.end();
    }
  });

  it('a client released right after a failed statement (connect, BEGIN, a failing query, release: how ORMs run transactions) is the one the next connect() gets: no second connection', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 4 }));
      const seen: number[] = [];
      for (const inTransaction of [false, true, false]) {
        const client = await pool.connect();
        if (inTransaction) await client.query('BEGIN');
        await client.query('SELECT * FROM no_such_table_released_at_once').catch(() => {});
        client.release();
        const next = await pool.connect(); // at once: the released client may still be finishing its statement
        seen.push(pool.totalCount);
        // pg.Pool hands the client over as it was left, its transaction aborted; ours rolled it back
        await next.query('ROLLBACK');
        next.release();
      }
      return seen;
    });
    expect(theirs).toEqual([1, 1, 1]);
    expect(ours).toEqual(theirs);
  });

  it('DIFFERENCE (documented): min clients are opened at start and kept (pg.Pool opens them on demand)', async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const pool = make(baseConfig({ min: 2, max: 4 }));
      if (name === '@pool/pg') await (pool as unknown as PgPool).core.ready();
      else await sleep(100);
      return pool.totalCount;
    });
    expect(theirs).toBe(0);
    expect(ours).toBe(2);
  });
});
