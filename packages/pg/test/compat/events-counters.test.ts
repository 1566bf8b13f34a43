import { requireService } from '@pool/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pidOf, terminate, waitForRunning } from '../helpers.js';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

// The behaviours pg-pool's own test suite (events, error-handling, index, releasing-clients,
// lifetime-timeout) asserts, run against pg.Pool and ours.

const svc = await requireService('pg');

/** What a `release` listener saw, printable: the Error's message, or the value itself. */
function releaseArg(value: unknown): unknown {
  return value instanceof Error ? `Error: ${value.message}` : value === undefined ? 'undefined' : value;
}

describe.skipIf(!svc.available)('side by side with pg.Pool: events, counters and callbacks from pg-pool\'s own tests', () => {
  it("'connect' comes before connect(cb) calls back, with that client, and never for a failed connect", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      let emitted: unknown;
      pool.on('connect', (client) => (emitted = client));
      const sameClient = await new Promise((resolve) => pool.connect((_error, client, done) => {
        resolve(client === emitted);
        done();
      }));
      const Failing = class extends pg.Client {};
      (Failing.prototype as unknown as { connect: unknown }).connect = function connect(callback: (error: Error) => void) {
        process.nextTick(() => callback(new Error('bad news')));
      };
      const failing = make(baseConfig({ Client: Failing as never }));
      let failedConnects = 0;
      failing.on('connect', () => failedConnects++);
      const failure = await failing.connect().catch((error: Error) => error.message);
      return { sameClient, failure, failedConnects, total: failing.totalCount };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ sameClient: true, failure: 'bad news', failedConnects: 0, total: 0 });
  });

  it("'acquire' and 'release' once per checkout; 'release' gets what release() was given (true, false, an Error)", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 3 }));
      let acquired = 0;
      const released: unknown[] = [];
      pool.on('acquire', () => acquired++);
      pool.on('release', (error, client) => released.push(client === undefined ? 'no client' : releaseArg(error)));
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 5; i++) {
        calls.push(new Promise((resolve) => pool.connect((_error, _client, done) => resolve(done()))));
        calls.push(pool.query('SELECT now()'));
      }
      await Promise.all(calls);
      const counts = [acquired, released.length];
      // after connect()'s done(): undefined; after a pool.query that succeeded: pg's null
      const afterQuery = new Promise((resolve) => pool.once('release', resolve));
      await pool.query('SELECT 1');
      const queryRelease = await afterQuery;
      released.length = 0;
      const problem = new Error('problem');
      let sameError = false;
      pool.once('release', (error) => (sameError = error === problem));
      (await pool.connect()).release(problem);
      (await pool.connect()).release(true);
      (await pool.connect()).release(false as never);
      await sleep(30);
      return { counts, queryRelease, released, sameError, total: pool.totalCount };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({ counts: [10, 10], queryRelease: null, released: ['Error: problem', true, false], sameError: true, total: 1 });
  });

  it("an idle client's own 'error': its listener and the pool's 'error' (err.client) see it, and the counts drop it at once", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const client = await pool.connect();
      client.release();
      await new Promise((resolve) => process.nextTick(resolve));
      let poolError: (Error & { client?: unknown }) | undefined;
      let clientError: Error | undefined;
      pool.once('error', (error) => (poolError = error));
      client.once('error', (error) => (clientError = error));
      client.emit('error', new Error('expected'));
      return { client: clientError?.message, pool: poolError?.message, sameClient: poolError?.client === client, counts: [pool.idleCount, pool.totalCount] };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ client: 'expected', pool: 'expected', sameClient: true, counts: [0, 0] });
  });

  it("a borrowed client's 'error' is the borrower's: no pool 'error', the counts keep it", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const client = await pool.connect();
      let poolErrors = 0;
      let clientError: Error | undefined;
      pool.on('error', () => poolErrors++);
      client.once('error', (error) => (clientError = error));
      client.emit('error', new Error('expected'));
      const counts = [pool.idleCount, pool.totalCount];
      client.release(clientError);
      return { client: clientError?.message, poolErrors, counts };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ client: 'expected', poolErrors: 0, counts: [0, 1] });
  });

  it('a backend killed during pool.query(sql, values, cb): the same DatabaseError 57P01 to the callback, no pool error, the next query works', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1, application_name: 'pool-pg-compat-kill' }));
      let poolErrors = 0;
      let pid = 0;
      pool.on('error', () => poolErrors++);
      pool.on('connect', (client) => (pid = pidOf(client as pg.Client)));
      const called = new Promise<unknown[]>((resolve) => pool.query('SELECT pg_sleep(5)', [], (error, result) => resolve([describeError(error), result])));
      await waitForRunning('pool-pg-compat-kill', 'SELECT pg_sleep');
      await terminate(pid);
      const [error, result] = await called;
      const after = (await pool.query('SELECT 1 AS n')).rows;
      return { error, result, poolErrors, after };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({ error: { class: 'DatabaseError', code: '57P01' }, result: undefined, poolErrors: 0, after: [{ n: 1 }] });
  });

  it('a client the borrower broke (connection.end()) or ended (client.end()) leaves the pool on release; the pool goes on', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const steps: unknown[] = [];
      const severed = await pool.connect();
      (severed as unknown as { connection: { end(): void } }).connection.end();
      await new Promise((resolve) => severed.once('error', resolve));
      steps.push([pool.totalCount, pool.idleCount]);
      severed.release();
      steps.push([pool.totalCount, pool.idleCount], (await pool.query('SELECT 1 AS n')).rows);
      const ended = await pool.connect();
      await ended.end();
      steps.push(describeError(await ended.query('SELECT 1').catch((error: unknown) => error)));
      ended.release();
      steps.push([pool.totalCount, pool.idleCount], (await pool.query('SELECT 2 AS n')).rows);
      return steps;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([[1, 0], [0, 0], [{ n: 1 }], { class: 'Error', message: 'Client was closed and is not queryable' }, [0, 0], [{ n: 2 }]]);
  });

  it('a failed connect: connect(cb) gets (err, undefined, a function), query(sql, values, cb) (err, undefined), with totalCount 0', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make({ host: '127.0.0.1', port: 1, user: 'x', database: 'x' });
      const connected = await new Promise((resolve) => pool.connect((error, client, done) => resolve([(error as Error & { code?: string }).code, client, typeof done, pool.totalCount])));
      const queried = await new Promise((resolve) => pool.query('SELECT $1::text', ['x'], (error, result) => resolve([(error as Error & { code?: string }).code, result, pool.totalCount])));
      return { connected, queried };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ connected: ['ECONNREFUSED', undefined, 'function', 0], queried: ['ECONNREFUSED', undefined, 0] });
  });

  it('after end(): query(cb), connect(cb) and end(cb) call back with an error; the promise forms reject', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const ended = await new Promise((resolve) => pool.end((error?: Error) => resolve(error)));
      const queried = await new Promise((resolve) => pool.query('SELECT 1', (error, result) => resolve([error?.message, result])));
      const connected = await new Promise((resolve) => pool.connect((error, client) => resolve([error?.message, client])));
      const endedAgain = await new Promise((resolve) => pool.end((error?: Error) => resolve(error?.message)));
      const promised = await Promise.all([pool.connect(), pool.query('SELECT 1'), pool.end()].map((p) => (p as Promise<unknown>).then(() => 'resolved', () => 'rejected')));
      return { ended, queried, connected, endedAgain, promised };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({
      ended: undefined,
      queried: ['Cannot use a pool after calling end on the pool', undefined],
      connected: ['Cannot use a pool after calling end on the pool', undefined],
      endedAgain: 'Called end on pool more than once',
      promised: ['rejected', 'rejected', 'rejected'],
    });
  });

  it('DIFFERENCE (documented): on an ended pool connect(cb) calls back asynchronously with a no-op done; pg.Pool at once with done undefined', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      await pool.end();
      let ran = false;
      let doneType = '';
      let asynchronous = false;
      const called = new Promise<void>((resolve) => {
        pool.connect((_error, _client, done) => {
          ran = true;
          doneType = typeof done;
          resolve();
        });
        asynchronous = !ran;
      });
      await called;
      return { asynchronous, doneType };
    });
    expect(theirs).toEqual({ asynchronous: false, doneType: 'undefined' });
    expect(ours).toEqual({ asynchronous: true, doneType: 'function' });
  });

  it('connect(cb) never calls back synchronously, even with an idle client; done() twice throws each time', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      (await pool.connect()).release();
      let called = false;
      const throws: boolean[] = [];
      const connected = new Promise<void>((resolve) => pool.connect((_error, _client, done) => {
        called = true;
        done();
        for (let i = 0; i < 2; i++) {
          try {
            done();
            throws.push(false);
          } catch {
            throws.push(true);
          }
        }
        resolve();
      }));
      const sync = called;
      await connected;
      return { sync, throws };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ sync: false, throws: [true, true] });
  });

  it('client options reach the clients (binary, pipeline); the config object is left unchanged', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const config = baseConfig({ max: 10, binary: true, pipeline: true } as never);
      const before = JSON.stringify(config);
      const pool = make(config);
      const client = await pool.connect();
      const rows = await Promise.all([client.query('SELECT 1 AS n'), client.query('SELECT 2 AS n')]);
      client.release();
      const flags = client as unknown as { binary: boolean; pipeline: boolean };
      return { binary: flags.binary, pipeline: flags.pipeline, rows: rows.map((r) => r.rows[0]), unchanged: JSON.stringify(config) === before };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ binary: true, pipeline: true, rows: [{ n: 1 }, { n: 2 }], unchanged: true });
  });

  it('options: the same defaults (min 0, maxUses Infinity, maxLifetimeSeconds 0), idleTimeoutMillis: null accepted, ssl.key hidden', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const plain = make(baseConfig()).options;
      const nulled = make(baseConfig({ idleTimeoutMillis: null })).options;
      const withKey = make(baseConfig({ ssl: { rejectUnauthorized: false, key: 'pool-pg-secret-key' } })).options;
      const ssl = withKey.ssl as { key?: string };
      return {
        defaults: [plain.min, plain.maxUses, plain.maxLifetimeSeconds],
        idle: nulled.idleTimeoutMillis,
        keyShown: JSON.stringify(withKey).includes('pool-pg-secret-key'),
        key: ssl.key,
      };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ defaults: [0, Infinity, 0], idle: null, keyShown: false, key: 'pool-pg-secret-key' });
  });

  it('counters: a caller a connection is opened for is not waiting; one queued behind max is; released clients are counted at once', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1, idleTimeoutMillis: 1 }));
      const steps: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        const query = pool.query('SELECT now()');
        steps.push([pool.totalCount, pool.idleCount, pool.waitingCount]);
        await query;
        await sleep(20);
        steps.push([pool.totalCount, pool.idleCount]);
      }
      const held = await pool.connect();
      const queued = pool.connect();
      steps.push(pool.waitingCount);
      held.release();
      steps.push([pool.totalCount, pool.idleCount, pool.waitingCount]);
      const next = await queued;
      steps.push(next === held);
      next.release();
      steps.push([pool.totalCount, pool.idleCount]);
      return steps;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([[1, 0, 0], [0, 0], [1, 0, 0], [0, 0], 1, [1, 0, 0], true, [1, 1]]);
  });

  it('expiredCount counts clients lent past maxLifetimeSeconds, which leave when released; an idle one leaves at once', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ maxLifetimeSeconds: 0.3 }));
      const steps: unknown[] = [];
      const removed = new Promise((resolve) => pool.once('remove', () => resolve([pool.expiredCount, pool.totalCount])));
      await pool.query('SELECT 1');
      steps.push(await removed);
      const slow = pool.query('SELECT pg_sleep(0.5)');
      steps.push([pool.expiredCount, pool.totalCount]);
      await sleep(400);
      steps.push([pool.expiredCount, pool.totalCount]);
      await slow;
      await sleep(50);
      steps.push([pool.expiredCount, pool.totalCount]);
      await pool.query('SELECT 1');
      steps.push([pool.expiredCount, pool.totalCount]);
      return steps;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([[0, 0], [0, 1], [1, 1], [0, 0], [0, 1]]);
  });
});
