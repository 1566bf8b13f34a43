import { runConformance } from '@pool/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgPool, pgProvider, PgScaleError, sessionFeatureOf } from '../src/index.js';
import { pgUrl } from './helpers.js';
import { requireScale, scaleUrls } from './scale-services.js';

const skip = await requireScale('pgbouncer');
const bouncer = new URL(scaleUrls.pgbouncer);

describe('pooler: transaction, the statement check', () => {
  it.each([
    ['LISTEN jobs', 'LISTEN'],
    ['  -- a comment\n  set search_path = x', 'SET'],
    ['SET SESSION statement_timeout = 5', 'SET'],
    ['/* c */ RESET ALL', 'RESET'],
    ['DISCARD ALL', 'RESET'],
    ['SELECT pg_advisory_lock(1)', 'advisory lock'],
    ['select pg_try_advisory_lock_shared(1, 2)', 'advisory lock'],
    ['CREATE TEMP TABLE t (id int)', 'temporary table'],
    ['create temporary table t as select 1', 'temporary table'],
    ['PREPARE q AS SELECT 1', 'PREPARE'],
    ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', 'WITH HOLD cursor'],
    ['SELECT 1; LISTEN x', 'LISTEN'],
    ['/* ; */ LISTEN x', 'LISTEN'],
    ["SELECT '--'; LISTEN x", 'LISTEN'],
    ['SELECT $f$ ; $f$; /* a /* nested */ comment */ SET x = 1', 'SET'],
  ])('refuses %j (%s)', (text, feature) => {
    expect(sessionFeatureOf(text)?.feature).toBe(feature);
  });

  it.each([
    'SELECT 1',
    'SET LOCAL statement_timeout = 5',
    'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'SET CONSTRAINTS ALL DEFERRED',
    'SELECT pg_advisory_xact_lock(1)',
    'CREATE TEMP TABLE t (id int) ON COMMIT DROP',
    'NOTIFY jobs',
    "INSERT INTO t VALUES ('set x')",
    'BEGIN; SET LOCAL work_mem = 1024; COMMIT',
    "SELECT 'a; LISTEN x'",
    'SELECT $body$ ; SET x = 1 $body$',
    '-- LISTEN x\nSELECT 1',
    'SELECT "weird;listen" FROM t',
  ])('lets %j through', (text) => {
    expect(sessionFeatureOf(text)).toBeUndefined();
  });

  it('refuses resetQuery and unknown modes at creation with POOL_INVALID_OPTION naming the key', () => {
    expect(() => createPgPool({ connectionString: scaleUrls.pgbouncer, pooler: 'transaction', resetQuery: 'DISCARD ALL' })).toThrow(
      expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'resetQuery' }),
    );
    expect(() => createPgPool({ connectionString: scaleUrls.pgbouncer, pooler: 'statement' as never })).toThrow(
      expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'pooler' }),
    );
  });
});

describe.skipIf(skip !== undefined)(`pooler: transaction through PgBouncer (transaction mode) at ${bouncer.host}`, () => {
  const pools: { end(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it('a query with a `name` runs unnamed: no prepared statement reaches the server, the result is the same', async () => {
    // directly on the server, so the session's pg_prepared_statements can be read afterwards
    const pool = createPgPool({ connectionString: pgUrl, pooler: 'transaction', max: 1 });
    pools.push(pool);
    const first = await pool.query({ name: 'pool-pgscale-named', text: 'SELECT $1::int + 1 AS n', values: [41] });
    const second = await pool.query({ name: 'pool-pgscale-named', text: 'SELECT $1::int + 1 AS n', values: [1] });
    expect(first.rows).toEqual([{ n: 42 }]);
    expect(second.rows).toEqual([{ n: 2 }]);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(rows[0].n).toBe(0);
    // without pooler mode the same query leaves a named statement on the session
    const plain = createPgPool({ connectionString: pgUrl, max: 1 });
    pools.push(plain);
    await plain.query({ name: 'pool-pgscale-named', text: 'SELECT $1::int + 1 AS n', values: [41] });
    const named = await plain.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(named.rows[0].n).toBe(1);
  });

  it('named statements through PgBouncer: 40 callers on 10 clients all succeed (unnamed), where plain pg fails on the shared server connections', async () => {
    const pool = createPgPool({ connectionString: scaleUrls.pgbouncer, pooler: 'transaction', max: 10 });
    pools.push(pool);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pool.query({ name: 'pool-pgscale-shared', text: 'SELECT $1::int AS i', values: [i] })),
    );
    expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // the problem the mode solves: plain pg.Pool sends Parse with the name once per client, and
    // PgBouncer then runs Bind on server connections that never saw it, or Parse twice on one
    const plain = new pg.Pool({ connectionString: scaleUrls.pgbouncer, max: 10 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => plain.query({ name: 'pool-pgscale-shared', text: 'SELECT $1::int AS i', values: [i] })),
    );
    await plain.end();
    const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason.code));
    expect(failures.length, 'plain pg through a transaction pooler').toBeGreaterThan(0);
    expect(failures.every((code) => code === '26000' || code === '42P05')).toBe(true);
  });

  it('session features are refused with PG_POOLER_SESSION_FEATURE (promise, callback, borrowed client), nothing sent', async () => {
    const pool = createPgPool({ connectionString: scaleUrls.pgbouncer, pooler: 'transaction', max: 2 });
    pools.push(pool);
    await expect(pool.query('LISTEN pool_pgscale')).rejects.toSatisfy((e: unknown) => e instanceof PgScaleError && e.code === 'PG_POOLER_SESSION_FEATURE' && e.feature === 'LISTEN');
    await expect(pool.query('SET statement_timeout = 1')).rejects.toMatchObject({ code: 'PG_POOLER_SESSION_FEATURE', feature: 'SET' });
    await expect(pool.query('SELECT pg_advisory_lock(42)')).rejects.toMatchObject({ code: 'PG_POOLER_SESSION_FEATURE', feature: 'advisory lock' });
    const viaCallback = await new Promise<Error | undefined>((resolve) => pool.query('CREATE TEMP TABLE pool_pgscale_t (id int)', (error) => resolve(error)));
    expect(viaCallback).toMatchObject({ code: 'PG_POOLER_SESSION_FEATURE', feature: 'temporary table' });
    const client = await pool.connect();
    try {
      await expect(client.query('SET work_mem = 1024')).rejects.toMatchObject({ code: 'PG_POOLER_SESSION_FEATURE' });
      // the client is still usable: nothing reached the server
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
    // the session setting was never applied anywhere
    expect((await pool.query("SELECT current_setting('statement_timeout') AS t")).rows[0].t).not.toBe('1ms');
  });

  it('what works in transaction mode: SET LOCAL, xact advisory locks and ON COMMIT DROP temp tables inside transaction(fn)', async () => {
    const pool = createPgPool({ connectionString: scaleUrls.pgbouncer, pooler: 'transaction', max: 2 });
    pools.push(pool);
    const result = await pool.transaction(async (tx) => {
      await tx.query('SET LOCAL statement_timeout = 5000');
      await tx.query('SELECT pg_advisory_xact_lock(4242)');
      await tx.query('CREATE TEMP TABLE pool_pgscale_tmp (id int) ON COMMIT DROP');
      await tx.query('INSERT INTO pool_pgscale_tmp VALUES (1), (2)');
      const { rows } = await tx.query("SELECT count(*)::int AS n, current_setting('statement_timeout') AS t FROM pool_pgscale_tmp");
      return rows[0];
    });
    expect(result).toEqual({ n: 2, t: '5s' });
  });
});

/**
 * The server-side kill through PgBouncer: `KILL pool_conformance` on its admin console drops every
 * client and server connection of that database alias (only the conformance pools use it), then
 * `RESUME` lets new ones in.
 */
async function killThroughBouncer(): Promise<void> {
  const admin = new pg.Client({ connectionString: scaleUrls.pgbouncer.replace(/\/[^/]*$/, '/pgbouncer') });
  await admin.connect();
  try {
    await admin.query('KILL pool_conformance');
    await admin.query('RESUME pool_conformance');
  } finally {
    await admin.end();
  }
}

runConformance({
  name: '@pool/pg through PgBouncer (pooler: transaction)',
  provider: (target) => pgProvider({ connectionString: `postgres://postgres@${target.host}:${target.port}/pool_conformance`, pooler: 'transaction', application_name: 'pool-pg-pgbouncer-conformance' }),
  killServerSide: killThroughBouncer,
  upstream: () => ({ host: bouncer.hostname, port: Number(bouncer.port) }),
  roundTrip: async (client) => {
    const { rows } = await client.query({ name: 'pool-pgscale-roundtrip', text: 'SELECT $1::int AS one', values: [1] });
    if (rows[0]?.one !== 1) throw new Error('unexpected SELECT 1 result');
  },
  skip,
});
