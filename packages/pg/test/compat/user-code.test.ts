import { createServer, type Server, type Socket } from 'node:net';
import { requireService } from '@pool/testkit';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPgPool } from '../../src/index.js';
import { pgUrl, pidOf, terminate } from '../helpers.js';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

const svc = await requireService('pg');

// What application code does with pg.Pool beyond pg-pool's own tests, run against both pools.

/** Where a rejection's stack leads: to the caller's awaits, or to the socket read that parsed the reply. */
function stackOf(error: unknown): { caller: boolean; socket: boolean } {
  const stack = String((error as Error).stack);
  return { caller: /at (async )?(userQuery|userConnect|userEnd) /.test(stack), socket: stack.includes('onStreamRead') };
}

// each awaits the pool's promise itself (a .catch() in between would hide the caller from the async stack)
async function userQuery(pool: pg.Pool): Promise<unknown> {
  try {
    return await pool.query('SELEC 1');
  } catch (error) {
    return error;
  }
}

async function userConnect(pool: pg.Pool): Promise<unknown> {
  try {
    return await pool.connect();
  } catch (error) {
    return error;
  }
}

async function userEnd(pool: pg.Pool): Promise<unknown> {
  await pool.end();
  try {
    return await pool.end();
  } catch (error) {
    return error;
  }
}

describe.skipIf(!svc.available)('side by side with pg.Pool: what user code does', () => {
  // a server that accepts connections and never answers
  let silent: { server: Server; port: number; sockets: Set<Socket> };
  beforeAll(async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    silent = { server, port: (server.address() as { port: number }).port, sockets };
  });
  afterAll(async () => {
    for (const socket of silent.sockets) socket.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  it("a rejected query(), connect() or end() promise: err.stack leads back to the caller's await, not to the socket read", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const statement = await userQuery(pool);
      const noDb = new URL(pgUrl);
      noDb.pathname = '/pool_pg_no_such_database';
      const connect = await userConnect(make({ connectionString: noDb.toString() }));
      const end = await userEnd(pool);
      return { statement: [describeError(statement).code, stackOf(statement)], connect: [describeError(connect).code, stackOf(connect)], end: stackOf(end) };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({
      statement: ['42601', { caller: true, socket: false }],
      connect: ['3D000', { caller: true, socket: false }],
      end: { caller: true, socket: false },
    });
  });

  it('a config typed pg.PoolConfig (verify, Client, Promise, log, types) is taken as it is, and the pool passes where a pg.Pool is typed', async () => {
    // this test is mostly for the type checker (`pnpm typecheck`): these lines compile against pg's types
    const run = async (pool: pg.Pool): Promise<unknown[]> => {
      const client: pg.PoolClient = await pool.connect();
      try {
        const { rows } = await client.query<{ n: string }>('SELECT 1::int AS n');
        return rows;
      } finally {
        client.release();
      }
    };
    const verified: string[] = [];
    const config: pg.PoolConfig = {
      connectionString: pgUrl,
      max: 2,
      Promise,
      Client: pg.Client,
      log: () => {},
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 23 ? (value: string) => `int ${value}` : pg.types.getTypeParser(oid, format as 'text')) },
      verify: (client: pg.PoolClient, done: (err?: Error) => void) => {
        verified.push(typeof client.query);
        done();
      },
    };
    const theirs = new pg.Pool(config);
    const ours: pg.Pool = createPgPool(config);
    try {
      expect(await run(ours)).toEqual(await run(theirs));
      expect(await run(ours)).toEqual([{ n: 'int 1' }]);
      expect(verified).toEqual(['function', 'function']);
    } finally {
      await Promise.all([theirs.end(), ours.end()]);
    }
  });

  it('query config objects: named (prepared) statements, rowMode array with duplicate names, per-query types, values given twice', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const named = [
        (await pool.query({ name: 'pool-pg-audit', text: 'SELECT $1::int AS n', values: [1] })).rows,
        (await pool.query({ name: 'pool-pg-audit', text: 'SELECT $1::int AS n', values: [2] })).rows,
        (await pool.query({ name: 'pool-pg-audit', values: [3] } as unknown as pg.QueryConfig)).rows,
        await pool.query({ name: 'pool-pg-audit', text: 'SELECT $1::text AS n', values: [3] }).catch((error: unknown) => describeError(error)),
      ];
      const array = await pool.query({ text: 'SELECT 1 AS a, 2 AS a', rowMode: 'array' });
      const types = { getTypeParser: (oid: number) => (oid === 23 ? (value: string) => `int ${value}` : (value: string) => value) };
      const typed = (await pool.query({ text: 'SELECT 1::int AS n', types } as pg.QueryConfig)).rows;
      const twice = (await pool.query({ text: 'SELECT $1::int AS n', values: [1] }, [2])).rows;
      return { named, array: [array.rows, array.fields.map((f) => f.name)], typed, twice };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.named[3]).toMatchObject({ class: 'Error', message: "Prepared statements must be unique - 'pool-pg-audit' was used for a different statement" });
    expect(theirs.array).toEqual([[[1, 2]], ['a', 'a']]);
    expect(theirs.twice).toEqual([{ n: 2 }]);
  });

  it('a unique violation and a syntax error keep pg\'s DatabaseError with detail, constraint, table and position', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const client = await pool.connect();
      try {
        await client.query('CREATE TEMP TABLE pool_pg_audit_unique (id int PRIMARY KEY)');
        await client.query('INSERT INTO pool_pg_audit_unique VALUES (1)');
      } finally {
        client.release();
      }
      const fields = (error: unknown) => {
        const e = error as pg.DatabaseError;
        return { instance: e instanceof pg.DatabaseError, code: e.code, detail: e.detail, constraint: e.constraint, table: e.table, position: e.position };
      };
      const unique = await pool.query('INSERT INTO pool_pg_audit_unique VALUES ($1)', [1]).catch(fields);
      const syntax = await pool.query('SELECT 1 FROM WHERE').catch(fields);
      return { unique, syntax };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.unique).toMatchObject({ instance: true, code: '23505', detail: 'Key (id)=(1) already exists.', constraint: 'pool_pg_audit_unique_pkey', table: 'pool_pg_audit_unique' });
    expect(theirs.syntax).toMatchObject({ instance: true, code: '42601', position: '15' });
  });

  it("a 'connect' listener's SET is in place before the first query, for pool.query and for parallel callers", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 3 }));
      // a client opened for a caller that another client served meanwhile can still be sending its
      // SET when the test ends the pool: the listener handles its promise, as careful code does
      pool.on('connect', (client) => {
        client.query('SET search_path TO pg_catalog, public').catch(() => {});
      });
      const first = (await pool.query('SHOW search_path')).rows;
      const parallel = await Promise.all([1, 2, 3].map(() => pool.query('SHOW search_path').then((r) => r.rows[0].search_path)));
      return { first, parallel };
    });
    expect(ours).toEqual(theirs);
    expect(theirs.first).toEqual([{ search_path: 'pg_catalog, public' }]);
  });

  it("listeners a 'connect' listener adds to the client (client.on('notice')) hear every later borrower, through pool.query and connect()", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const notices: string[] = [];
      pool.on('connect', (client) => {
        client.on('notice', (notice) => notices.push(notice.message ?? ''));
      });
      for (let i = 0; i < 3; i++) await pool.query(`DO $$ BEGIN RAISE NOTICE 'query ${i}'; END $$`);
      const client = await pool.connect();
      try {
        await client.query("DO $$ BEGIN RAISE NOTICE 'held'; END $$");
      } finally {
        client.release();
      }
      await pool.query("DO $$ BEGIN RAISE NOTICE 'after release'; END $$");
      await sleep(20);
      return { notices, total: pool.totalCount };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ notices: ['query 0', 'query 1', 'query 2', 'held', 'after release'], total: 1 });
  });

  it('application_name and statement_timeout reach the session; a statement over the timeout is DatabaseError 57014', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ application_name: 'pool-pg-audit-app', statement_timeout: 50 }));
      const settings = (await pool.query("SELECT current_setting('application_name') AS a, current_setting('statement_timeout') AS t")).rows;
      const slow = await pool.query('SELECT pg_sleep(1)').catch((error: unknown) => describeError(error));
      return { settings, slow, counts: [pool.totalCount, pool.idleCount] };
    });
    expect(ours.settings).toEqual(theirs.settings);
    expect(ours.slow).toEqual(theirs.slow);
    expect(theirs.settings).toEqual([{ a: 'pool-pg-audit-app', t: '50ms' }]);
    expect(theirs.slow).toMatchObject({ class: 'DatabaseError', code: '57014' });
  });

  it('LISTEN on a client from connect(): notifications reach its listener while held; a killed backend is the holder\'s error, not the pool\'s', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      // the idle timeout must outlast the steps from pg_notify to `held` (a terminate and its errors) on a loaded machine
      const pool = make(baseConfig({ max: 2, idleTimeoutMillis: 1_000 }));
      const poolErrors: unknown[] = [];
      pool.on('error', (error) => poolErrors.push(error));
      const client = await pool.connect();
      const payloads: unknown[] = [];
      const clientErrors: unknown[] = [];
      client.on('notification', (message) => payloads.push(message.payload));
      client.on('error', (error) => clientErrors.push((error as pg.DatabaseError).code ?? (error as Error).message));
      await client.query('LISTEN pool_pg_audit');
      await pool.query("NOTIFY pool_pg_audit, 'one'");
      await sleep(1_300); // past idleTimeoutMillis: the other client is gone, the held one is not
      await pool.query("SELECT pg_notify('pool_pg_audit', 'two')");
      while (payloads.length < 2) await sleep(5);
      await terminate(pidOf(client));
      while (clientErrors.length < 2) await sleep(5);
      const held = [pool.totalCount, pool.idleCount];
      client.release(new Error('its backend was terminated'));
      return { payloads, clientErrors, poolErrors: poolErrors.length, held, after: [pool.totalCount, pool.idleCount] };
    });
    expect(ours).toEqual(theirs);
    // the first idle client timed out; pg_notify opened another, which stays idle
    expect(theirs).toEqual({ payloads: ['one', 'two'], clientErrors: ['57P01', 'Connection terminated unexpectedly'], poolErrors: 0, held: [2, 1], after: [1, 1] });
  });

  it('with no config, the PG* environment variables are used', async () => {
    const url = new URL(pgUrl);
    const env = { PGHOST: url.hostname, PGPORT: url.port || '5432', PGUSER: decodeURIComponent(url.username), PGDATABASE: url.pathname.slice(1), PGAPPNAME: 'pool-pg-audit-env' };
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    Object.assign(process.env, env);
    try {
      const { theirs, ours } = await sideBySide(async (make) => {
        const pool = make();
        return (await pool.query("SELECT current_database() AS db, current_setting('application_name') AS app")).rows;
      });
      expect(ours).toEqual(theirs);
      expect(theirs).toEqual([{ db: env.PGDATABASE, app: 'pool-pg-audit-env' }]);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('DIFFERENCE (documented): query_timeout gives the same Error and message, with code POOL_TIMEOUT (pg leaves it without a code)', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ query_timeout: 50 }));
      const error = await pool.query('SELECT pg_sleep(1)').catch((e: unknown) => describeError(e));
      return { error, counts: [pool.totalCount, pool.idleCount] };
    });
    expect(theirs).toEqual({ error: { class: 'Error', code: undefined, message: 'Query read timeout', severity: undefined, routine: undefined }, counts: [0, 0] });
    expect(ours).toEqual({ error: { ...theirs.error, code: 'POOL_TIMEOUT' }, counts: [0, 0] });
  });

  it("a connect past connectionTimeoutMillis fails with pg.Pool's 'Connection terminated due to connection timeout'; DIFFERENCE (documented): the caller whose own wait ran out first gets POOL_TIMEOUT", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make({ host: '127.0.0.1', port: silent.port, user: 'x', database: 'x', connectionTimeoutMillis: 200 });
      let second: Promise<unknown> | undefined;
      // the second call is made as the first fails, while the first call's connect may still be in flight
      const first = await pool.query('SELECT 1').catch((error: unknown) => {
        second = pool.connect().catch((e: unknown) => e);
        return error;
      });
      const error = (await second) as Error;
      const describe = (e: unknown) => ({ class: (e as Error).constructor.name, message: (e as Error).message });
      // ours may still have a connect in flight that it opened for the second caller: it ends by its own timer
      for (let waited = 0; pool.totalCount > 0 && waited < 1_000; waited += 10) await sleep(10);
      return { first: describe(first), second: { ...describe(error), cause: error.cause instanceof Error }, counts: [pool.totalCount, pool.idleCount] };
    });
    const poolsError = { class: 'Error', message: 'Connection terminated due to connection timeout', cause: true };
    expect(theirs).toEqual({ first: { class: 'Error', message: poolsError.message }, second: poolsError, counts: [0, 0] });
    expect(ours.second).toEqual(poolsError);
    // the caller's wait and the connect's timer both end after 200 ms: whichever fires first decides
    if (ours.first.class === 'PoolTimeoutError') expect(ours.first.message).toContain('timeout exceeded when trying to connect');
    else expect(ours.first).toEqual(theirs.first);
    expect(ours.counts).toEqual([0, 0]);
  });

  it('DIFFERENCE (documented): after end() the errors are PoolErrors with code POOL_CLOSED and pg.Pool\'s messages (pg.Pool: a plain Error)', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      await pool.end();
      const errors = await Promise.all([pool.query('SELECT 1'), pool.connect(), pool.end()].map((p) => (p as Promise<unknown>).catch((e: unknown) => e)));
      return errors.map((e) => [(e as Error).constructor.name, (e as { code?: unknown }).code, (e as Error).message]);
    });
    const messages = ['Cannot use a pool after calling end on the pool', 'Cannot use a pool after calling end on the pool', 'Called end on pool more than once'];
    expect(theirs).toEqual(messages.map((m) => ['Error', undefined, m]));
    expect(ours).toEqual(messages.map((m) => ['PoolError', 'POOL_CLOSED', m]));
  });

  it('DIFFERENCE (documented): end() with a client never released closes it after 30 s and resolves; pg.Pool waits for ever', async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const pool = make(baseConfig());
      const held = await pool.connect();
      const closed = new Promise<void>((resolve) => held.once('end', resolve));
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let state = 'pending';
      const ended = pool.end().then(() => (state = 'resolved'));
      try {
        await vi.advanceTimersByTimeAsync(29_000);
        const before = state;
        await vi.advanceTimersByTimeAsync(2_000);
        return { before, after: state, counts: [pool.totalCount, pool.idleCount] };
      } finally {
        vi.useRealTimers();
        if (name === 'pg.Pool') held.release(); // lets pg.Pool's end() finish
        await Promise.all([ended, closed]);
      }
    });
    expect(theirs).toEqual({ before: 'pending', after: 'pending', counts: [1, 0] });
    expect(ours).toEqual({ before: 'pending', after: 'resolved', counts: [0, 0] });
  });

  it("DIFFERENCE (documented): pool.query('BEGIN') is rolled back when its client goes back; with pg.Pool, sequential pool.query calls reuse that client and form one transaction", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const table = `pool_pg_audit_tx_${process.pid}`;
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (v int)`);
      try {
        await pool.query(`TRUNCATE ${table}`);
        await pool.query('BEGIN');
        await pool.query(`INSERT INTO ${table} VALUES (1)`);
        await pool.query('ROLLBACK');
        return (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
      } finally {
        await pool.query(`DROP TABLE ${table}`);
      }
    });
    expect(theirs).toBe(0);
    expect(ours).toBe(1);
  });

  it("pool.query(new pg.Query(...)): its 'row' and 'end' events fire, the promise resolves, the client goes back; with the query's own callback too", async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const pool = make(baseConfig({ max: 1 }));
      const query = new pg.Query('SELECT generate_series(1, 3) AS n');
      const rows: unknown[] = [];
      query.on('row', (row: { n: number }) => rows.push(row.n));
      const ended = new Promise((resolve) => query.on('end', (result: pg.QueryResult) => resolve(result.rowCount)));
      const result = await (pool.query(query as never) as unknown as Promise<pg.QueryResult>);
      const counts = [pool.totalCount, pool.idleCount];
      const failed = await (pool.query(new pg.Query('SELEC 1') as never) as unknown as Promise<unknown>).catch((error: unknown) => describeError(error).code);
      // a query made with its own callback: it is called
      const own = await new Promise((resolve) => {
        pool.query(new pg.Query('SELECT 7 AS n', [], (error: Error | undefined, res: pg.QueryResult) => resolve([error, res.rows])) as never);
      });
      await sleep(20);
      const afterOwn = [pool.totalCount, pool.idleCount];
      // pg.Pool never gives that client back: release it so the pool can end
      if (name === 'pg.Pool') (pool as unknown as { _clients: pg.PoolClient[] })._clients.forEach((client) => client.release());
      return { rows, end: await ended, rowCount: result.rowCount, failed, counts, own, afterOwn };
    });
    const { afterOwn: theirsAfterOwn, ...theirsRest } = theirs;
    const { afterOwn: oursAfterOwn, ...oursRest } = ours;
    expect(oursRest).toEqual(theirsRest);
    expect(theirsRest).toEqual({ rows: [1, 2, 3], end: 3, rowCount: 3, failed: '42601', counts: [1, 1], own: [null, [{ n: 7 }]] });
    // DIFFERENCE (documented): ours gives back the client of a query made with its own callback; pg.Pool keeps it
    expect(theirsAfterOwn).toEqual([1, 0]);
    expect(oursAfterOwn).toEqual([1, 1]);
  });

  it('DIFFERENCE (documented): pool.query(new Cursor(...)) is refused with PG_SUBMITTABLE_NOT_SUPPORTED; pg.Pool reads it but never settles nor gives the client back', async () => {
    const { theirs, ours } = await sideBySide(async (make, name) => {
      const pool = make(baseConfig({ max: 1 }));
      const cursor = new Cursor('SELECT generate_series(1, 3) AS n');
      let settled = 'pending';
      (pool.query(cursor as never) as unknown as Promise<unknown>).then(() => (settled = 'resolved'), (error: unknown) => (settled = String(describeError(error).code)));
      if (name === 'pg.Pool') {
        const rows = await cursor.read(3);
        await cursor.close();
        const counts = [pool.totalCount, pool.idleCount];
        await sleep(50);
        // the client is lost to the pool for ever: end it so the test can end the pool
        (pool as unknown as { _clients: pg.Client[] })._clients.forEach((client) => (client as pg.PoolClient).release());
        return { rows: rows.length, settled, counts };
      }
      await sleep(50);
      return { rows: 0, settled, counts: [pool.totalCount, pool.idleCount] };
    });
    expect(theirs).toEqual({ rows: 3, settled: 'pending', counts: [1, 0] });
    expect(ours).toEqual({ rows: 0, settled: 'PG_SUBMITTABLE_NOT_SUPPORTED', counts: [0, 0] });
  });

  it('a client released while its statement still runs (a missing await): the statement completes and the next query sees its write', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const table = `pool_pg_audit_busy_${process.pid}`;
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (v int)`);
      try {
        await pool.query(`TRUNCATE ${table}`);
        const client = await pool.connect();
        const insert = client.query(`INSERT INTO ${table} SELECT 1 FROM pg_sleep(0.1)`).then((r) => r.rowCount, (e: unknown) => describeError(e));
        client.release();
        const seen = (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
        return { insert: await insert, seen, total: pool.totalCount };
      } finally {
        await pool.query(`DROP TABLE ${table}`);
      }
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ insert: 1, seen: 1, total: 1 });
  });

  it('DIFFERENCE (documented): end(cb) always calls back asynchronously; pg.Pool calls back at once when no client is open', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const called: string[] = [];
      const ended = new Promise<void>((resolve) => {
        pool.end(() => {
          called.push('end callback');
          resolve();
        });
      });
      called.push('after end()');
      await ended;
      return called;
    });
    expect(theirs).toEqual(['end callback', 'after end()']);
    expect(ours).toEqual(['after end()', 'end callback']);
  });
});
