import { requireService } from '@pool/testkit';
import pg from 'pg';
import { DataSource, EntitySchema, QueryFailedError, type DataSourceOptions } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { PgPool } from '../../src/index.js';
import { pgUrl, terminate } from '../helpers.js';
import { sideBySide, type AnyPool, type Make } from './side-by-side.js';

// TypeORM takes no pool instance, but its `driver` option replaces `require('pg')`: TypeORM then
// builds its pool with `new driver.Pool(options)` (options it fills itself, `undefined` for what is
// unset, `extra` merged in), borrows with the callback form `pool.connect((err, client, release) => ...)`,
// gives back with `release(err?)` (err when the client emitted 'error'), listens for the pool's 'error'
// and ends it with `pool.end(cb)`. So `driver: { ...pg, Pool: PgPool }` puts it on @pool/pg.

const svc = await requireService('pg');
const schema = `pool_pg_typeorm_${process.pid}`;

interface Item {
  id: number;
  name: string;
  qty: number;
  at: Date | null;
}

const Items = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'items',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    name: { type: String, unique: true },
    qty: { type: 'int', default: 0 },
    at: { type: 'timestamptz', nullable: true },
  },
});

/** pg's module with `Pool` replaced by the contender's (the pools it makes are ended by sideBySide). */
function driverFor(make: Make, made: AnyPool[] = []): Record<string, unknown> {
  function Pool(options: pg.PoolConfig): AnyPool {
    const pool = make(options);
    made.push(pool);
    return pool;
  }
  return { Pool, Client: pg.Client, defaults: pg.defaults, types: pg.types };
}

function dataSource(make: Make, extra: Partial<DataSourceOptions> = {}, made: AnyPool[] = []): DataSource {
  return new DataSource({
    type: 'postgres',
    driver: driverFor(make, made),
    url: pgUrl,
    applicationName: 'pool-pg-compat-typeorm',
    poolSize: 2,
    schema,
    entities: [Items],
    synchronize: true,
    logging: false,
    ...extra,
  } as DataSourceOptions);
}

/** A rejection as TypeORM gives it: its class, the driver's code, TypeORM's message. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    const e = error as Error & { driverError?: { code?: string; constraint?: string } };
    return { class: e.constructor.name, message: e.message, code: e.driverError?.code, constraint: e.driverError?.constraint };
  }
}

async function withSchema<T>(make: Make, body: () => Promise<T>): Promise<T> {
  const admin = make({ connectionString: pgUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  try {
    return await body();
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

describe.skipIf(!svc.available)('side by side with pg.Pool: TypeORM with `driver: { ...pg, Pool }`', () => {
  it('initialize (synchronize), repository CRUD, query builder, raw query, transactions, a query runner, a stream, destroy', async () => {
    const { theirs, ours } = await sideBySide((make) => withSchema(make, async () => {
      const made: AnyPool[] = [];
      const ds = dataSource(make, {}, made);
      await ds.initialize();
      const repo = ds.getRepository(Items);
      const steps: Record<string, unknown> = {};
      steps.pools = made.length;
      steps.poolOptions = { max: made[0]?.options.max, application_name: (made[0]?.options as { application_name?: string }).application_name };
      steps.saved = await repo.save([{ name: 'a', qty: 1, at: new Date('2024-01-02T03:04:05.678Z') }, { name: 'b', qty: 2, at: null }, { name: 'c', qty: 3, at: null }]);
      steps.found = await repo.find({ order: { id: 'ASC' } });
      steps.update = (await repo.update({ name: 'b' }, { qty: 20 })).affected;
      steps.builder = await repo.createQueryBuilder('i').select('i.name', 'name').addSelect('i.qty * 2', 'double').where('i.qty > :min', { min: 1 }).orderBy('i.id').getRawMany();
      steps.raw = await ds.query(`SELECT count(*)::int AS n, sum(qty)::int AS total FROM ${schema}.items WHERE name = ANY($1)`, [['a', 'b', 'x']]);
      steps.committed = await ds.transaction(async (em) => {
        await em.insert(Items, { name: 'd', qty: 4 });
        return (await em.query('SELECT pg_backend_pid() = pg_backend_pid() AS same, current_setting($1) AS iso', ['transaction_isolation']))[0];
      });
      steps.rolledBack = await failure(ds.transaction('SERIALIZABLE', async (em) => {
        await em.insert(Items, { name: 'e', qty: 5 });
        throw new Error('typeorm rollback');
      }));
      const runner = ds.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await runner.manager.insert(Items, { name: 'f', qty: 6 });
      steps.runnerSees = await runner.manager.count(Items);
      await runner.rollbackTransaction();
      const stream = await runner.stream('SELECT n FROM generate_series(1, 5) AS n');
      const streamed: number[] = [];
      for await (const row of stream as AsyncIterable<{ n: number }>) streamed.push(row.n);
      steps.streamed = streamed;
      await runner.release();
      steps.names = (await repo.find({ order: { id: 'ASC' } })).map((item) => item.name);
      steps.deleted = (await repo.delete({ name: 'c' })).affected;
      steps.counts = [made[0]?.totalCount, made[0]?.idleCount, made[0]?.waitingCount];
      await ds.destroy();
      steps.destroyed = [ds.isInitialized, made[0]?.ending, made[0]?.ended];
      return steps;
    }));
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      pools: 1,
      poolOptions: { max: 2, application_name: 'pool-pg-compat-typeorm' },
      found: [{ id: 1, name: 'a', qty: 1, at: new Date('2024-01-02T03:04:05.678Z') }, { id: 2, name: 'b', qty: 2, at: null }, { id: 3, name: 'c', qty: 3, at: null }],
      update: 1,
      builder: [{ name: 'b', double: 40 }, { name: 'c', double: 6 }],
      raw: [{ n: 2, total: 21 }],
      committed: { same: true, iso: 'read committed' },
      rolledBack: { class: 'Error', message: 'typeorm rollback' },
      runnerSees: 5,
      streamed: [1, 2, 3, 4, 5],
      names: ['a', 'b', 'c', 'd'],
      deleted: 1,
      destroyed: [false, true, true],
    });
  });

  it('errors: a unique violation and a syntax error are the same QueryFailedError; a transaction that fails rolls back and frees its client', async () => {
    const { theirs, ours } = await sideBySide((make) => withSchema(make, async () => {
      const made: AnyPool[] = [];
      const ds = dataSource(make, {}, made);
      await ds.initialize();
      try {
        const repo = ds.getRepository(Items);
        await repo.insert({ name: 'a', qty: 1 });
        const unique = await failure(repo.insert({ name: 'a', qty: 2 }));
        const syntax = await failure(ds.query('SELEC 1'));
        const inTx = await failure(ds.transaction(async (em) => {
          await em.insert(Items, { name: 'b', qty: 1 });
          await em.insert(Items, { name: 'a', qty: 1 });
        }));
        const names = (await repo.find({ order: { id: 'ASC' } })).map((item) => item.name);
        return { unique, syntax, inTx, names };
      } finally {
        await ds.destroy();
      }
    }));
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      unique: { class: QueryFailedError.name, code: '23505', constraint: expect.stringContaining('') },
      syntax: { class: QueryFailedError.name, code: '42601' },
      inTx: { class: QueryFailedError.name, code: '23505' },
      names: ['a'],
    });
  });

  it('with the real class: `driver: { ...pg, Pool: PgPool }` makes a PgPool from the options TypeORM fills (undefined for what is unset) and `extra`', async () => {
    const made: AnyPool[] = [];
    const driver = { ...pg, Pool: PgPool };
    const ds = new DataSource({ type: 'postgres', driver, url: pgUrl, applicationName: 'pool-pg-typeorm-real', poolSize: 3, connectTimeoutMS: 5000, extra: { idleTimeoutMillis: 2000, queryTimeoutMs: 10_000 } } as DataSourceOptions);
    const original = driver.Pool;
    driver.Pool = class extends original {
      constructor(options: ConstructorParameters<typeof PgPool>[0]) {
        super(options);
        made.push(this as unknown as AnyPool);
      }
    };
    await ds.initialize();
    try {
      const pool = made[0] as unknown as PgPool;
      expect(pool).toBeInstanceOf(PgPool);
      expect(pool.options).toMatchObject({ max: 3, idleTimeoutMillis: 2000, connectionTimeoutMillis: 5000, application_name: 'pool-pg-typeorm-real' });
      expect(await ds.query('SELECT current_setting($1) AS app', ['application_name'])).toEqual([{ app: 'pool-pg-typeorm-real' }]);
      expect(pool.stats().borrowed).toBe(0);
    } finally {
      await ds.destroy();
    }
    expect(made[0]?.ended).toBe(true);
  });

  it("fault: the pool's idle backend is terminated; poolErrorHandler hears it and the repository's next calls succeed", async () => {
    const { theirs, ours } = await sideBySide((make) => withSchema(make, async () => {
      const heard: string[] = [];
      const ds = dataSource(make, { poolSize: 1, poolErrorHandler: (error: Error & { code?: string }) => heard.push(error.code ?? error.message) } as Partial<DataSourceOptions>);
      await ds.initialize();
      try {
        const repo = ds.getRepository(Items);
        await repo.insert({ name: 'a', qty: 1 });
        const [{ pid }] = await ds.query('SELECT pg_backend_pid() AS pid');
        await terminate(pid);
        for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        const found = (await repo.find()).map((item) => item.name);
        await repo.insert({ name: 'b', qty: 2 });
        const [{ pid: after }] = await ds.query('SELECT pg_backend_pid() AS pid');
        return { heard, found, count: await repo.count(), newBackend: after !== pid };
      } finally {
        await ds.destroy();
      }
    }));
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ heard: ['57P01'], found: ['a'], count: 2, newBackend: true });
  });

  it("fault: a query runner's backend is terminated in its transaction; TypeORM releases it with the error, and the next transaction runs on a new backend", async () => {
    const { theirs, ours } = await sideBySide((make) => withSchema(make, async () => {
      const made: AnyPool[] = [];
      const ds = dataSource(make, { poolSize: 1, poolErrorHandler: () => {} } as Partial<DataSourceOptions>, made);
      await ds.initialize();
      try {
        const runner = ds.createQueryRunner();
        await runner.startTransaction();
        await runner.manager.insert(Items, { name: 'lost', qty: 1 });
        const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
        await terminate(pid);
        const during = await failure(runner.query('SELECT 1'));
        for (let i = 0; i < 100 && !runner.isReleased; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        const released = runner.isReleased;
        const rollback = await failure(runner.rollbackTransaction());
        const next = await ds.transaction(async (em) => {
          await em.insert(Items, { name: 'kept', qty: 2 });
          return (await em.query('SELECT pg_backend_pid() AS pid'))[0].pid !== pid;
        });
        const names = (await ds.getRepository(Items).find()).map((item) => item.name);
        return { during: (during as { class: string }).class, released, rollback: (rollback as { class?: string }).class ?? rollback, next, names, counts: [made[0]?.totalCount, made[0]?.idleCount] };
      } finally {
        await ds.destroy();
      }
    }));
    expect(ours).toEqual(theirs);
    // the client's 'error' (57P01) reaches TypeORM first: it releases the runner with it, so the next call is refused
    expect(theirs).toEqual({ during: 'QueryRunnerAlreadyReleasedError', released: true, rollback: 'QueryRunnerAlreadyReleasedError', next: true, names: ['kept'], counts: [1, 1] });
  });

  it("DIFFERENCE (documented): logNotifications: TypeORM adds its 'notice' listener while it borrows the first client; ours removes it at the release, so no NOTICE is logged", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const logged: string[] = [];
      const logger = { logQuery() {}, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log: (level: string, message: unknown) => logged.push(`${level}: ${String(message)}`) };
      const ds = new DataSource({ type: 'postgres', driver: driverFor(make), url: pgUrl, poolSize: 1, logNotifications: true, logger } as DataSourceOptions);
      await ds.initialize();
      try {
        await ds.query("DO $$ BEGIN RAISE NOTICE 'pool-pg-typeorm-notice'; END $$");
        return logged.filter((line) => line.includes('pool-pg-typeorm-notice'));
      } finally {
        await ds.destroy();
      }
    });
    // pg.Pool keeps it on that one client only (a second client would log nothing either); for every
    // client, add it in the pool's 'connect' listener: `pool.on('connect', (c) => c.on('notice', ...))`
    expect(theirs).toEqual(['info: pool-pg-typeorm-notice']);
    expect(ours).toEqual([]);
  });
});
