import { createServer, type Server } from 'node:net';
import { requireService } from '@pool/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

// The behaviours pg-pool's own test suite (idle-timeout, max-uses, sizing, lifecycle-hooks, verify,
// ending, connection-timeout, error-handling) asserts, run against pg.Pool and ours.

const svc = await requireService('pg');

/** A loopback server that accepts connections and never answers (or, with `reset`, drops them at once). */
async function listen(reset: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => (reset ? socket.destroy() : socket.on('data', () => {})));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe.skipIf(!svc.available)('side by side with pg.Pool: idle timeout, maxUses, sizing, hooks, ending, connect timeouts', () => {
  let silent: { server: Server; port: number };
  let resetting: { server: Server; port: number };
  beforeAll(async () => {
    silent = await listen(false);
    resetting = await listen(true);
  });
  afterAll(() => {
    silent.server.close();
    resetting.server.close();
  });

  it("idleTimeoutMillis: an idle client is removed ('remove', counts 0), also while another leaves with release(err)", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const single = make(baseConfig({ idleTimeoutMillis: 10 }));
      const removed = new Promise((resolve) => single.once('remove', () => resolve([single.idleCount, single.totalCount])));
      await single.query('SELECT NOW()');
      const pool = make(baseConfig({ idleTimeoutMillis: 10 }));
      const a = await pool.connect();
      const b = await pool.connect();
      const aRemoved = new Promise((resolve) => pool.on('remove', (client) => client === a && resolve([pool.idleCount, pool.totalCount])));
      a.release();
      b.release(new Error('broken'));
      return [await removed, await Promise.race([aRemoved, sleep(500).then(() => 'not removed')])];
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([[0, 0], [0, 0]]);
  });

  it('idleTimeoutMillis: a borrowed client is never timed out; after release it is idle at once', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ idleTimeoutMillis: 1 }));
      const steps: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const client = await pool.connect();
        await sleep(10);
        steps.push((await client.query('SELECT 1 AS n')).rows[0].n);
        client.release();
        steps.push([pool.idleCount, pool.totalCount]);
      }
      return steps;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([1, [1, 1], 1, [1, 1], 1, [1, 1]]);
  });

  it("maxUses: the same client until its last use, ended on that release ('remove expended client' logged); queued callers get a fresh one", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const messages: unknown[] = [];
      const pool = make(baseConfig({ maxUses: 2, log: (message: unknown) => messages.push(message) }));
      const first = await pool.connect();
      first.release();
      const second = await pool.connect();
      const endingBefore = (second as unknown as { _ending: boolean })._ending;
      second.release();
      const endingAfter = (second as unknown as { _ending: boolean })._ending;
      const third = await pool.connect();
      third.release();
      const reuse = [first === second, endingBefore, endingAfter, third !== second, messages.includes('remove expended client')];
      const queuedPool = make(baseConfig({ max: 1, maxUses: 2 }));
      const steps: unknown[] = [];
      const held = await queuedPool.connect();
      const next = queuedPool.connect().then((client) => {
        steps.push(['second', client === held, queuedPool.waitingCount]);
        client.release();
      });
      const last = queuedPool.connect().then((client) => {
        steps.push(['third', client !== held, queuedPool.waitingCount]);
        client.release();
      });
      steps.push(['queued', queuedPool.waitingCount]);
      held.release();
      await Promise.all([next, last]);
      const queryPool = make(baseConfig({ max: 1, maxUses: 3 }));
      const backends = new Set<number>();
      for (let i = 0; i < 7; i++) backends.add((await queryPool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
      return { reuse, steps, backends: backends.size };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ reuse: [true, false, true, true, true], steps: [['queued', 2], ['second', true, 1], ['third', true, 0]], backends: 3 });
  });

  it('min: idle clients are closed down to min, never below', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const counts: number[] = [];
      for (const min of [1, 2]) {
        const pool = make(baseConfig({ max: 2, min, idleTimeoutMillis: 10 }));
        const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
        a.release();
        b.release();
        await sleep(50);
        counts.push(pool.idleCount);
      }
      return counts;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([1, 2]);
  });

  it('onConnect runs once per new client (pool.query included), not on reuse; a hook whose statement fails gives that DatabaseError', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      let runs = 0;
      const pool = make(baseConfig({
        max: 2,
        onConnect: async (client) => {
          runs++;
          (client as unknown as { hooked: unknown }).hooked = (await client.query('SELECT 1 AS num')).rows[0].num;
        },
      }));
      const rows = (await pool.query('SELECT $1::text AS name', ['x'])).rows;
      const client = await pool.connect();
      const hooked = (client as unknown as { hooked: unknown }).hooked;
      client.release();
      const failing = make(baseConfig({ onConnect: async (c) => void (await c.query('SELECT INVALID HERE')) }));
      const error = describeError(await failing.connect().catch((e: unknown) => e));
      return { rows, hooked, runs, error, total: failing.totalCount };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({ rows: [{ name: 'x' }], hooked: 1, runs: 1, error: { class: 'DatabaseError', code: '42703' }, total: 0 });
  });

  it("verify that fails: connect(cb) gets (err, undefined, a function), the client is closed, with 'connect', 'acquire', 'release' (err), 'remove'", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ verify: (_client, done) => done(new Error('nope')) }));
      const events: string[] = [];
      for (const event of ['connect', 'acquire', 'release', 'remove', 'error'] as const) {
        pool.on(event, (first: unknown) => events.push(first instanceof Error ? `${event}:${first.message}` : event));
      }
      const called = await new Promise((resolve) => pool.connect((error, client, done) => resolve([error?.message, client, typeof done])));
      await sleep(50);
      return { called, counts: [pool.totalCount, pool.idleCount], events };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ called: ['nope', undefined, 'function'], counts: [0, 0], events: ['connect', 'acquire', 'release:nope', 'remove'] });
  });

  it('a custom Client (a plain function) is given the connectionString; its connect error reaches connect(cb)', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const given: unknown[] = [];
      const FakeClient = function FakeClient(config: { connectionString?: string }) {
        given.push(config.connectionString);
        return { connect: (callback: (error: Error) => void) => callback(new Error('testing')), on: () => {} };
      };
      const pool = make({ Client: FakeClient as never, connectionString: 'postgres://foo:bar@baz:1234/xur' });
      const error = await new Promise((resolve) => pool.connect((e) => resolve(e?.message)));
      return { given, error };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ given: ['postgres://foo:bar@baz:1234/xur'], error: 'testing' });
  });

  it('end(): an unused pool ends (callback, no error); pending queries complete first; a borrowed client is awaited', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const unused = await new Promise((resolve) => make(baseConfig()).end((error?: Error) => resolve(error)));
      const busy = make(baseConfig({ max: 20 }));
      let completed = 0;
      for (let i = 0; i < 20; i++) void busy.query('SELECT $1::text AS name', ['x']).then(() => completed++);
      await busy.end();
      const completedAtEnd = completed;
      const held = make(baseConfig());
      const client = await held.connect();
      const seen: string[] = [];
      held.on('remove', () => seen.push('remove'));
      const ended = new Promise<void>((resolve) => held.end(() => resolve()));
      await sleep(50);
      seen.push(`ended=${held.ended} total=${held.totalCount}`);
      client.release();
      await ended;
      seen.push(`ended=${held.ended} total=${held.totalCount}`);
      return { unused, completedAtEnd, seen };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ unused: undefined, completedAtEnd: 20, seen: ['ended=false total=1', 'remove', 'ended=true total=0'] });
  });

  it('connectionTimeoutMillis on a server that never answers: each connect fails with a timeout, no client, nothing idle', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make({ host: '127.0.0.1', port: silent.port, user: 'x', database: 'x', connectionTimeoutMillis: 30 });
      const called = await new Promise((resolve) => pool.connect((error, client) => resolve([/timeout/.test(error?.message ?? ''), client, pool.idleCount])));
      const again: boolean[] = [];
      for (let i = 0; i < 5; i++) again.push(await pool.connect().then(() => false, (error: Error) => /timeout/.test(error.message)));
      return { called, again };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ called: [true, undefined, 0], again: [true, true, true, true, true] });
  });

  it('connectionTimeoutMillis while every client is busy: query(cb) fails (no result), a later connect still gets the client, the pool recovers', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1, connectionTimeoutMillis: 200 }));
      const held = await pool.connect();
      const steps: unknown[] = [];
      const timedOut = new Promise<void>((resolve) => pool.query('SELECT now()', (error, result) => {
        steps.push(['query', /timeout/.test(error?.message ?? ''), result]);
        resolve();
      }));
      await sleep(100);
      const later = new Promise<void>((resolve) => pool.connect((error, client, done) => {
        steps.push(['connect', error, client === held]);
        done();
        resolve();
      }));
      await timedOut;
      held.release();
      await later;
      steps.push((await pool.query('SELECT $1::text AS name', ['x'])).rows);
      return steps;
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([['query', true, undefined], ['connect', undefined, true], [{ name: 'x' }]]);
  });

  it("a connect that fails gives the caller that very error; the next query connects again and succeeds", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const failure = new Error('Temporary connection failure');
      let failed = false;
      const FlakyClient = class extends pg.Client {};
      (FlakyClient.prototype as unknown as { connect: unknown }).connect = function connect(this: pg.Client, callback: (error?: Error) => void) {
        if (failed) return pg.Client.prototype.connect.call(this, callback as never);
        failed = true;
        setTimeout(() => callback(failure), 20);
      };
      const pool = make(baseConfig({ Client: FlakyClient as never, max: 1, connectionTimeoutMillis: 1000 }));
      const first = await new Promise((resolve) => pool.connect((error) => resolve(error === failure)));
      const next = await new Promise((resolve) => pool.query('SELECT $1::text AS name', ['x'], (error, result) => resolve([error, result?.rows])));
      return { first, next };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ first: true, next: [undefined, [{ name: 'x' }]] });
  });

  it('a server that drops every connection: the caller and the one queued behind max: 1 both get pg\'s error', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make({ host: '127.0.0.1', port: resetting.port, user: 'x', database: 'x', max: 1 });
      const outcome = () => new Promise((resolve) => pool.connect((error, client) => resolve([error?.constructor.name, error?.message, client])));
      return Promise.all([outcome(), outcome()]);
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([['Error', 'Connection terminated unexpectedly', undefined], ['Error', 'Connection terminated unexpectedly', undefined]]);
  });

  it('DIFFERENCE (documented): a borrowed client that emitted its own error is closed when released; pg.Pool lends it again', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      const client = await pool.connect();
      const pid = (client as unknown as { processID: number }).processID;
      client.on('error', () => {});
      client.emit('error', new Error('emitted by hand; the connection still answers'));
      client.release();
      const next = await pool.connect();
      const same = (next as unknown as { processID: number }).processID === pid;
      next.release();
      return same;
    });
    expect(theirs).toBe(true);
    expect(ours).toBe(false);
  });

  it("DIFFERENCE (documented): verify runs before 'connect' is emitted; pg.Pool emits 'connect' and 'acquire' first", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const order: string[] = [];
      const pool = make(baseConfig({ max: 1, verify: (_client: unknown, done: (error?: Error) => void) => {
        order.push('verify');
        done();
      } } as never));
      pool.on('connect', () => order.push('connect'));
      pool.on('acquire', () => order.push('acquire'));
      (await pool.connect()).release();
      return order;
    });
    expect(theirs).toEqual(['connect', 'acquire', 'verify']);
    expect(ours).toEqual(['verify', 'connect', 'acquire']);
  });
});
