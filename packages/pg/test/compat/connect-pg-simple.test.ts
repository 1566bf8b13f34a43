import { requireService } from '@pool/testkit';
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import type { PgPool } from '../../src/index.js';
import { terminate } from '../helpers.js';
import { baseConfig, describeError, sideBySide, type AnyPool } from './side-by-side.js';

// connect-pg-simple (express-session's PostgreSQL store) given the user's pool as `{ pool }`, driven
// through its own API (no HTTP server), against pg.Pool and ours. It runs `pool.query(text, values)`
// (promise form) for every call, and the CREATE TABLE script (three statements, no values) on the first.

const svc = await requireService('pg');
const PGStore = connectPgSimple(session);
type Store = InstanceType<typeof PGStore>;

// for the type checker: a PgPool is taken where the store's types want a pg.Pool
const typed: PgPool extends NonNullable<ConstructorParameters<typeof PGStore>[0]>['pool'] ? true : never = true;
void typed;

/**
 * A schema of this test's own (the store's script names its index `IDX_session_expire`, one per
 * schema); the contenders run one after the other, each dropping it at the end.
 */
const schema = `pool_pg_cps_${process.pid}`;

/** The store, on its own schema (created; the caller drops it), pruning only when told. */
async function storeOn(pool: AnyPool, extra: Record<string, unknown> = {}): Promise<Store> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  return new PGStore({ pool, schemaName: schema, tableName: 'sessions', createTableIfMissing: true, pruneSessionInterval: false, errorLog: () => {}, ...extra });
}

/** A store method's callback as a promise: what it called back with, the error described. */
function call(store: Store, method: 'get' | 'set' | 'touch' | 'destroy' | 'pruneSessions', ...args: unknown[]): Promise<{ error?: Record<string, unknown>; value?: unknown }> {
  return new Promise((resolve) => {
    (store[method] as (...a: unknown[]) => void)(...args, (error: unknown, value?: unknown) => {
      resolve(error ? { error: describeError(error) } : value === undefined ? {} : { value });
    });
  });
}

const later = new Date('2100-01-01T00:00:00.000Z');
const sooner = new Date('2099-06-01T00:00:00.000Z');
const past = new Date('2000-01-01T00:00:00.000Z');
const sess = (expires: Date, extra: Record<string, unknown> = {}) => ({ cookie: { originalMaxAge: null, expires: expires.toISOString(), httpOnly: true, path: '/' }, ...extra });

describe.skipIf(!svc.available)('side by side with pg.Pool: connect-pg-simple (express-session store)', () => {
  it('set, get, touch, upsert, destroy, pruneSessions, express-session\'s load/regenerate, and close() leaving the pool open', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const store = await storeOn(pool);
      try {
        const steps: Record<string, unknown> = {};
        steps.missing = await call(store, 'get', 'nobody'); // creates the table first
        steps.table = (await pool.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema])).rows;
        steps.set = await call(store, 'set', 'a', sess(sooner, { user: 'alice', visits: 1 }));
        steps.get = await call(store, 'get', 'a');
        steps.touch = await call(store, 'touch', 'a', sess(later));
        steps.expire = (await pool.query(`SELECT sid, expire::text FROM ${schema}.sessions ORDER BY sid`)).rows;
        steps.upsert = await call(store, 'set', 'a', sess(later, { user: 'alice', visits: 2 }));
        steps.afterUpsert = await call(store, 'get', 'a');
        steps.expired = [await call(store, 'set', 'old', sess(past)), await call(store, 'get', 'old')];
        steps.load = await new Promise((resolve) => store.load('a', (error, loaded) => resolve(error ? describeError(error) : { user: (loaded as Record<string, unknown> | undefined)?.user, visits: (loaded as Record<string, unknown> | undefined)?.visits })));
        steps.regenerate = await new Promise((resolve) => {
          // express-session's middleware sets store.generate; regenerate() destroys, then generates
          (store as unknown as { generate: (req: unknown) => void }).generate = () => {};
          const req = { sessionID: 'a', sessionStore: store } as never;
          store.regenerate(req, (error) => resolve(error ? describeError(error) : 'regenerated'));
        });
        steps.afterRegenerate = await call(store, 'get', 'a');
        steps.concurrent = await Promise.all(Array.from({ length: 12 }, (_, i) => call(store, 'set', `c${i}`, sess(later, { i }))));
        steps.destroy = [await call(store, 'destroy', 'c0'), await call(store, 'get', 'c0')];
        steps.prune = await call(store, 'pruneSessions');
        steps.left = (await pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE expire < now())::int AS expired FROM ${schema}.sessions`)).rows;
        // v10 has no length/clear/all: express-session works without them
        steps.optional = [typeof store.length, typeof store.clear, typeof store.all];
        store.close();
        steps.poolAfterClose = [pool.ending, (await pool.query('SELECT 1 AS ok')).rows];
        return steps;
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      missing: {},
      table: [{ indexname: 'IDX_session_expire' }, { indexname: 'session_pkey' }],
      get: { value: { user: 'alice', visits: 1 } },
      expire: [{ sid: 'a', expire: '2100-01-01 00:00:00' }],
      afterUpsert: { value: { user: 'alice', visits: 2 } },
      expired: [{}, {}],
      load: { user: 'alice', visits: 2 },
      regenerate: 'regenerated',
      afterRegenerate: {},
      concurrent: Array.from({ length: 12 }, () => ({})),
      destroy: [{}, {}],
      prune: {},
      left: [{ n: 11, expired: 0 }],
      optional: ['undefined', 'undefined', 'undefined'],
      poolAfterClose: [false, [{ ok: 1 }]],
    });
  });

  it('errors reach the callback the same: a missing table (42P01) without createTableIfMissing, an unserializable session', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const store = await storeOn(pool, { createTableIfMissing: false });
      try {
        const missingTable = await call(store, 'get', 'a');
        const circular: Record<string, unknown> = sess(later);
        circular.self = circular;
        const created = await storeOn(pool);
        const unserializable = await call(created, 'set', 'a', circular);
        const after = [await call(created, 'set', 'b', sess(later, { n: 1 })), await call(created, 'get', 'b')];
        return { missingTable, unserializable, after, counts: [pool.totalCount, pool.idleCount] };
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({
      missingTable: { error: { class: 'DatabaseError', code: '42P01' } },
      unserializable: { error: { class: 'TypeError' } },
      after: [{}, { value: { n: 1 } }],
    });
  });

  it("fault: the pool's idle backend is terminated; the store's next get and set succeed", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      // connect-pg-simple listens for 'error' only on a pool it made itself; with pg.Pool an idle
      // client's error and no listener would crash the process, so the app adds one (as it must)
      const idleErrors: string[] = [];
      pool.on('error', (error) => idleErrors.push((error as Error & { code?: string }).code ?? error.message));
      const store = await storeOn(pool);
      try {
        await call(store, 'set', 'a', sess(later, { user: 'alice' }));
        const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
        const errored = new Promise((resolve) => pool.once('error', resolve));
        await terminate(rows[0].pid);
        await errored;
        const get = await call(store, 'get', 'a');
        const set = await call(store, 'set', 'b', sess(later));
        const { rows: after } = await pool.query('SELECT pg_backend_pid() AS pid');
        return { idleErrors, get, set, newBackend: after[0].pid !== rows[0].pid };
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ idleErrors: ['57P01'], get: { value: { cookie: expect.anything(), user: 'alice' } }, set: {}, newBackend: true });
  });
});
