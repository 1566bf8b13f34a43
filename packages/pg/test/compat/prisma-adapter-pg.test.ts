import { PrismaPg } from '@prisma/adapter-pg';
import { requireService, freeLoopbackPort } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import type { PgPool } from '../../src/index.js';
import { pgUrl, terminate } from '../helpers.js';
import { baseConfig, sideBySide, type AnyPool } from './side-by-side.js';

// @prisma/adapter-pg (Prisma 7's driver adapter for node-postgres) given the user's pool,
// `new PrismaPg(pool)`, driven through the adapter's own interface (what Prisma's query engine
// calls) without the engine: queryRaw/executeRaw with Prisma's argument types, its per-query
// `types` parsers and `rowMode: 'array'`, startTransaction (BEGIN on a client from `pool.connect()`;
// the engine sends COMMIT/ROLLBACK as statements, then commit()/rollback() release the client),
// executeScript and dispose. The adapter takes the pool as its own only when `pool instanceof pg.Pool`.

const svc = await requireService('pg');
const table = `pool_pg_prisma_${process.pid}`;

type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;
type Query = Parameters<Adapter['queryRaw']>[0];
type ArgType = Query['argTypes'][number];

// for the type checker: a PgPool is taken where the adapter's types want a pg.Pool
const typed: PgPool extends ConstructorParameters<typeof PrismaPg>[0] ? true : never = true;
void typed;

const q = (sql: string, args: unknown[] = [], argTypes: ArgType[] = args.map(() => ({ scalarType: 'unknown', arity: 'scalar' }))): Query => ({ sql, args, argTypes });

/** What a failed adapter call rejected with: Prisma's DriverAdapterError and its mapped cause. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    const e = error as Error & { cause?: unknown };
    return { name: e.name, cause: e.cause };
  }
}

/** The adapter over `pool` (its own listener on the pool's 'error'), and a drop of the test table after. */
async function adapterOn(pool: AnyPool, options?: ConstructorParameters<typeof PrismaPg>[1]): Promise<Adapter> {
  const adapter = await new PrismaPg(pool, options).connect();
  await adapter.executeRaw(q(`DROP TABLE IF EXISTS ${table}`));
  await adapter.executeRaw(q(`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, at timestamptz)`));
  return adapter;
}

const dropTable = (pool: AnyPool) => pool.query(`DROP TABLE IF EXISTS ${table}`);

describe.skipIf(!svc.available)('side by side with pg.Pool: @prisma/adapter-pg (Prisma 7 driver adapter)', () => {
  it('new PrismaPg(pool) takes the very pool; queryRaw maps every column type and argument type the same', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const factory = new PrismaPg(pool);
      const adapter = await factory.connect();
      const types = await adapter.queryRaw(q(String.raw`SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8, 1.5::float4 AS f4, 2.25::float8 AS f8,
        12345678901234567890.123::numeric AS num, true AS b, 'x'::text AS t, 'y'::varchar AS vc, 'z'::char(2) AS bp, 'nm'::name AS nm, 42::oid AS o,
        '2024-02-29'::date AS d, '12:34:56.789'::time AS tm, '12:34:56+02'::timetz AS tmz, '2024-02-29 12:34:56.789'::timestamp AS ts,
        '2024-02-29 12:34:56.789+02'::timestamptz AS tstz, '{"a":1}'::json AS j, '{"b":[1,2]}'::jsonb AS jb,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '\xdeadbeef'::bytea AS by, B'101' AS bit, '10.0.0.1'::inet AS ip,
        ARRAY[1,2]::int4[] AS ai, ARRAY[3]::int8[] AS ai8, ARRAY['a','b,c']::text[] AS at, ARRAY[1.5]::numeric[] AS an,
        ARRAY['2024-01-01 00:00:00+00']::timestamptz[] AS ats, ARRAY['2024-01-01']::date[] AS ad, ARRAY['\x01'::bytea] AS aby,
        ARRAY['{"x":1}'::jsonb] AS ajb, ARRAY[true,false] AS ab, NULL::int AS nul`));
      const args = await adapter.queryRaw(q('SELECT $1::timestamptz AS a, $2::bytea AS b, $3::int8 AS c, $4::text[] AS d, $5::jsonb AS e, $6::date AS f, $7::time AS g, $8::uuid AS h', [
        '2024-01-02T03:04:05.678Z', 'AQID', '9007199254740993', ['x', 'y'], '{"k":1}', new Date('2024-05-06T07:08:09.010Z'), new Date('2024-05-06T07:08:09.010Z'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ], [
        { scalarType: 'datetime', arity: 'scalar' }, { scalarType: 'bytes', arity: 'scalar' }, { scalarType: 'bigint', arity: 'scalar' }, { scalarType: 'string', arity: 'list' },
        { scalarType: 'json', arity: 'scalar' }, { scalarType: 'datetime', dbType: 'DATE', arity: 'scalar' }, { scalarType: 'datetime', dbType: 'TIME', arity: 'scalar' }, { scalarType: 'uuid', arity: 'scalar' },
      ]));
      // pg's global parsers are untouched by the adapter's per-query ones
      const plain = (await pool.query("SELECT '2024-02-29 12:34:56+00'::timestamptz AS tstz, 5::int8 AS i8")).rows[0];
      const unsupported = await failure(adapter.queryRaw(q("SELECT '1 day'::interval AS iv")));
      return { external: adapter.underlyingDriver() === pool, info: adapter.getConnectionInfo(), types, args, plain: [plain.tstz instanceof Date, typeof plain.i8], unsupported };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.external).toBe(true);
    expect(theirs.types.columnNames).toContain('tstz');
    expect(theirs.types.rows[0]).toContain('2024-02-29T10:34:56.789+00:00');
    expect(theirs.args.rows[0]?.slice(2, 4)).toEqual(['9007199254740993', ['x', 'y']]);
    expect(theirs.plain).toEqual([true, 'string']);
    expect(theirs.unsupported).toEqual({ name: 'DriverAdapterError', cause: { kind: 'UnsupportedNativeDataType', type: 'interval' } });
  });

  it('executeRaw counts, named statements (statementNameGenerator), executeScript, and the errors Prisma maps (unique, not null, missing table, syntax)', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const adapter = await adapterOn(pool, { statementNameGenerator: (query) => `prisma_${Buffer.from(query.sql).toString('base64url').slice(0, 40)}` });
      try {
        const insert = (id: number, name: string | null) => adapter.executeRaw(q(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [id, name], [{ scalarType: 'int', arity: 'scalar' }, { scalarType: 'string', arity: 'scalar' }]));
        const inserted = [await insert(1, 'a'), await insert(2, 'b'), await insert(3, 'c')];
        const updated = await adapter.executeRaw(q(`UPDATE ${table} SET name = name || '!' WHERE id >= $1`, [2], [{ scalarType: 'int', arity: 'scalar' }]));
        await adapter.executeScript(`INSERT INTO ${table} (id, name) VALUES (10, 's1'); INSERT INTO ${table} (id, name) VALUES (11, 's2');`);
        const rows = await adapter.queryRaw(q(`SELECT id, name FROM ${table} ORDER BY id`));
        const errors = {
          unique: await failure(insert(1, 'dup')),
          notNull: await failure(insert(4, null)),
          missing: await failure(adapter.queryRaw(q('SELECT * FROM pool_pg_prisma_no_such_table'))),
          syntax: await failure(adapter.queryRaw(q('SELEC 1'))),
          script: await failure(adapter.executeScript('SELECT 1; SELEC 2')),
        };
        const after = await insert(5, 'e');
        // pg.Pool closes a client after a statement error and opens another, ours keeps it (difference 2):
        // either way one client, idle, once the caller has its answer
        return { inserted, updated, rows: rows.rows, errors, after, counts: [pool.totalCount, pool.idleCount] };
      } finally {
        await dropTable(pool);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      inserted: [1, 1, 1],
      updated: 2,
      rows: [[1, 'a'], [2, 'b!'], [3, 'c!'], [10, 's1'], [11, 's2']],
      errors: {
        unique: { name: 'DriverAdapterError', cause: { kind: 'UniqueConstraintViolation', constraint: { index: `${table}_pkey` }, originalCode: '23505' } },
        notNull: { cause: { kind: 'NullConstraintViolation', originalCode: '23502' } },
        missing: { cause: { kind: 'TableDoesNotExist', originalCode: '42P01' } },
        syntax: { cause: { kind: 'postgres', code: '42601' } },
        script: { cause: { kind: 'postgres', code: '42601' } },
      },
      after: 1,
      counts: [1, 1],
    });
  });

  it("transactions: isolation level, COMMIT and ROLLBACK sent as the engine sends them, savepoints, concurrent transactions on max: 2", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const adapter = await adapterOn(pool);
      try {
        const insert = (on: Pick<Adapter, 'executeRaw'>, id: number) => on.executeRaw(q(`INSERT INTO ${table} (id, name) VALUES ($1, 'tx')`, [id], [{ scalarType: 'int', arity: 'scalar' }]));
        const ids = async () => (await adapter.queryRaw(q(`SELECT id FROM ${table} ORDER BY id`))).rows.map((row) => row[0]);

        const committed = await adapter.startTransaction('SERIALIZABLE');
        const isolation = (await committed.queryRaw(q('SHOW transaction_isolation'))).rows;
        await insert(committed, 1);
        const outside = await ids();
        await committed.executeRaw(q('COMMIT'));
        await committed.commit();

        const rolled = await adapter.startTransaction();
        await insert(rolled, 2);
        await rolled.createSavepoint!('s1');
        await insert(rolled, 3);
        await rolled.rollbackToSavepoint!('s1');
        await rolled.releaseSavepoint!('s1');
        const inside = (await rolled.queryRaw(q(`SELECT id FROM ${table} ORDER BY id`))).rows;
        await rolled.executeRaw(q('ROLLBACK'));
        await rolled.rollback();

        // a failed statement: the engine rolls back
        const failed = await adapter.startTransaction();
        const error = await failure(insert(failed, 1));
        const aborted = await failure(failed.queryRaw(q('SELECT 1')));
        await failed.executeRaw(q('ROLLBACK'));
        await failed.rollback();

        const both = await Promise.all([adapter.startTransaction(), adapter.startTransaction()]);
        await Promise.all(both.map((tx, i) => insert(tx, 20 + i)));
        await Promise.all(both.map(async (tx) => {
          await tx.executeRaw(q('COMMIT'));
          await tx.commit();
        }));
        return { isolation, outside, inside, error, aborted, final: await ids(), counts: [pool.totalCount, pool.idleCount, pool.waitingCount] };
      } finally {
        await dropTable(pool);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      isolation: [['serializable']],
      outside: [],
      inside: [[1], [2]],
      error: { cause: { kind: 'UniqueConstraintViolation' } },
      aborted: { cause: { kind: 'postgres', code: '25P02' } },
      final: [1, 20, 21],
      counts: [2, 2, 0],
    });
  });

  it('connect failures reach Prisma as the same mapped errors: DatabaseNotReachable (host, port), DatabaseDoesNotExist (db)', async () => {
    const port = await freeLoopbackPort();
    const noDb = new URL(pgUrl);
    noDb.pathname = '/pool_pg_no_such_database';
    const { theirs, ours } = await sideBySide(async (make) => {
      // the adapter reads the socket error's code, syscall, errno, address and port, and the 3D000 message
      const refused = await new PrismaPg(make({ host: '127.0.0.1', port, user: 'x', database: 'x' })).connect();
      const missing = await new PrismaPg(make({ connectionString: noDb.toString() })).connect();
      return {
        refused: [await failure(refused.queryRaw(q('SELECT 1'))), await failure(refused.startTransaction())],
        missing: [await failure(missing.queryRaw(q('SELECT 1'))), await failure(missing.startTransaction())],
      };
    });
    expect(ours).toEqual(theirs);
    const notReachable = { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port } };
    const noSuchDb = { name: 'DriverAdapterError', cause: { kind: 'DatabaseDoesNotExist', db: 'pool_pg_no_such_database', originalCode: '3D000', originalMessage: 'database "pool_pg_no_such_database" does not exist' } };
    expect(theirs).toEqual({ refused: [notReachable, notReachable], missing: [noSuchDb, noSuchDb] });
  });

  it('dispose() leaves the pool open (removing its error listener); with disposeExternalPool it ends it', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const kept = make(baseConfig({ max: 1 }));
      const before = kept.listenerCount('error');
      const adapter = await new PrismaPg(kept).connect();
      const during = kept.listenerCount('error');
      await adapter.dispose();
      const keptOpen = [kept.ending, kept.listenerCount('error') - before, (await kept.query('SELECT 1 AS ok')).rows];
      const owned = make(baseConfig({ max: 1 }));
      const second = await new PrismaPg(owned, { disposeExternalPool: true }).connect();
      await second.queryRaw(q('SELECT 1'));
      await second.dispose();
      return { during: during - before, keptOpen, owned: [owned.ending, owned.ended] };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ during: 1, keptOpen: [false, 0, [{ ok: 1 }]], owned: [true, true] });
  });

  it("fault: the pool's idle backend is terminated; the adapter's next queryRaw and transaction succeed, its onPoolError heard it", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const heard: string[] = [];
      const adapter = await new PrismaPg(pool, { onPoolError: (error) => heard.push((error as Error & { code?: string }).code ?? error.message) }).connect();
      const [[pid]] = (await adapter.queryRaw(q('SELECT pg_backend_pid()'))).rows as [[number]];
      const errored = new Promise((resolve) => pool.once('error', resolve));
      await terminate(pid);
      await errored;
      const next = (await adapter.queryRaw(q('SELECT 1 AS one'))).rows;
      const tx = await adapter.startTransaction();
      const inTx = (await tx.queryRaw(q('SELECT pg_backend_pid() <> $1 AS fresh', [pid], [{ scalarType: 'int', arity: 'scalar' }]))).rows;
      await tx.executeRaw(q('COMMIT'));
      await tx.commit();
      return { heard, next, inTx, counts: [pool.totalCount, pool.idleCount] };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ heard: ['57P01'], next: [[1]], inTx: [[true]], counts: [1, 1] });
  });

  it("fault: a transaction's backend is terminated mid-transaction; the engine's ROLLBACK fails, rollback() gives the client back, and the next transaction runs on a new backend", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const connectionErrors: string[] = [];
      const adapter = await new PrismaPg(pool, { onConnectionError: (error) => connectionErrors.push((error as Error & { code?: string }).code ?? error.message), onPoolError: () => {} }).connect();
      const tx = await adapter.startTransaction();
      const [[pid]] = (await tx.queryRaw(q('SELECT pg_backend_pid()'))).rows as [[number]];
      await terminate(pid);
      const during = await failure(tx.queryRaw(q('SELECT 1')));
      const rollbackStatement = await failure(tx.executeRaw(q('ROLLBACK')));
      await tx.rollback();
      const next = await adapter.startTransaction();
      const fresh = (await next.queryRaw(q('SELECT pg_backend_pid() <> $1 AS fresh', [pid], [{ scalarType: 'int', arity: 'scalar' }]))).rows;
      await next.executeRaw(q('COMMIT'));
      await next.commit();
      // the server's 57P01 first; pg's 'Connection terminated unexpectedly' follows if the socket closes
      // before rollback() takes the adapter's listener off (a race in either pool)
      return { connectionErrors: connectionErrors.slice(0, 1), during: (during as { name: string }).name, rollbackStatement: (rollbackStatement as { name: string }).name, fresh, counts: [pool.totalCount, pool.idleCount] };
    });
    expect(ours).toEqual(theirs);
    // a broken connection is not a database error: the adapter passes pg's Error on unmapped
    expect(theirs).toEqual({ connectionErrors: ['57P01'], during: 'Error', rollbackStatement: 'Error', fresh: [[true]], counts: [1, 1] });
  });

  it("DIFFERENCE (documented): rollback() without the engine's ROLLBACK statement: pg.Pool lends the next caller that client still inside the transaction, ours rolls it back first", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const adapter = await adapterOn(pool);
      try {
        const tx = await adapter.startTransaction();
        await tx.executeRaw(q(`INSERT INTO ${table} (id, name) VALUES (1, 'uncommitted')`));
        await tx.rollback(); // releases the client only (the engine would have sent ROLLBACK first)
        const seen = (await adapter.queryRaw(q(`SELECT count(*)::int AS n, now() = statement_timestamp() AS fresh_tx FROM ${table}`))).rows;
        return seen;
      } finally {
        // pg.Pool's client is still in that transaction: end it before dropping the table
        await pool.query('ROLLBACK').catch(() => {});
        await dropTable(pool);
      }
    });
    expect(theirs).toEqual([[1, false]]);
    expect(ours).toEqual([[0, true]]);
  });

  it("DIFFERENCE (documented): the adapter keeps `pool.options` as its config; copied with a spread (as its connectToShadowDb does) it has no connectionString, which ours keeps non-enumerable", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const config = (new PrismaPg(pool) as unknown as { config: Record<string, unknown> }).config;
      const copied = { ...config, database: 'shadow' };
      return { same: config === (pool.options as unknown), readable: config.connectionString === pgUrl, copied: 'connectionString' in copied, password: 'password' in copied };
    });
    // pg.Pool hides only the password; ours hides the URL too (it may carry the password)
    expect(theirs).toEqual({ same: true, readable: true, copied: true, password: false });
    expect(ours).toEqual({ same: true, readable: true, copied: false, password: false });
  });
});
