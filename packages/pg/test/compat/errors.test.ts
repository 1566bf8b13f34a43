import { isPoolError } from '@pool/core';
import { requireService, freeLoopbackPort } from '@pool/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgUrl, terminate, pidOf } from '../helpers.js';
import { passwordRoleFields, requirePasswordAuth } from '../password-auth.js';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

const svc = await requireService('pg');
const auth = await requirePasswordAuth();

/** The connect error and how long it took, for a config that cannot connect. */
async function connectFailure(make: (config: never) => pg.Pool, config: object): Promise<{ error: Record<string, unknown>; ms: number; promiseError: Record<string, unknown> }> {
  const pool = make(config as never);
  const started = performance.now();
  const error = await pool.query('SELECT 1').catch((e: unknown) => e);
  const ms = performance.now() - started;
  const promiseError = await pool.connect().catch((e: unknown) => e);
  return { error: describeError(error), ms, promiseError: describeError(promiseError) };
}

describe.skipIf(!svc.available)('side by side with pg.Pool: connect errors, end(), idle errors', () => {
  it('an unknown database: the same DatabaseError 3D000, in at most twice pg.Pool\'s time (+50 ms)', async () => {
    const url = new URL(pgUrl);
    url.pathname = '/pool_pg_no_such_database';
    const { theirs, ours } = await sideBySide((make) => connectFailure(make as never, { connectionString: url.toString() }));
    expect(ours.error).toEqual(theirs.error);
    expect(ours.promiseError).toEqual(theirs.promiseError);
    expect(theirs.error).toMatchObject({ class: 'DatabaseError', code: '3D000' });
    expect(ours.ms).toBeLessThan(theirs.ms * 2 + 50);
  });

  it.skipIf(!auth.available)('a wrong password: the same DatabaseError 28P01, in at most twice pg.Pool\'s time (+50 ms)', async () => {
    const { theirs, ours } = await sideBySide((make) => connectFailure(make as never, passwordRoleFields('pool-pg-wrong-password')));
    expect(ours.error).toEqual(theirs.error);
    expect(theirs.error).toMatchObject({ class: 'DatabaseError', code: '28P01' });
    expect(ours.ms).toBeLessThan(theirs.ms * 2 + 50);
  });

  it('a refused connection: the same Error ECONNREFUSED at once', async () => {
    const port = await freeLoopbackPort();
    const { theirs, ours } = await sideBySide((make) => connectFailure(make as never, { host: '127.0.0.1', port, user: 'x', database: 'x' }));
    expect(ours.error).toEqual(theirs.error);
    expect(theirs.error).toMatchObject({ class: 'Error', code: 'ECONNREFUSED' });
    expect(ours.ms).toBeLessThan(theirs.ms * 2 + 50);
  });

  it('onConnect that throws, and verify that fails: the caller gets that very error; the pool recovers after', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      let failHook = true;
      const hooked = make(baseConfig({ onConnect: async () => { if (failHook) throw new Error('hook said no'); } }));
      const hookError = await hooked.query('SELECT 1').catch((e: unknown) => e);
      failHook = false;
      // documented difference: after a permanent connect error, calls within retry.minDelayMs (100 ms,
      // doubling per failure) get that error again without a new connect; pg.Pool connects every time
      await sleep(300);
      const after = (await hooked.query('SELECT 1 AS ok')).rows;
      const verified = make(baseConfig({ verify: (_client, done) => done(new Error('verify said no')) }));
      const verifyError = await verified.connect().catch((e: unknown) => e);
      return { hook: describeError(hookError), after, verify: describeError(verifyError) };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toMatchObject({ hook: { message: 'hook said no' }, after: [{ ok: 1 }], verify: { message: 'verify said no' } });
  });

  it('a custom Client whose connect takes only a callback', async () => {
    const CallbackClient = class extends pg.Client {};
    (CallbackClient.prototype as unknown as { connect: unknown }).connect = function connect(this: pg.Client, callback?: (error?: Error) => void) {
      if (typeof callback !== 'function') throw new TypeError('cb is not a function');
      pg.Client.prototype.connect.call(this, callback as never);
    };
    const { theirs, ours } = await sideBySide(async (make) => (await make(baseConfig({ Client: CallbackClient as never })).query('SELECT 1 AS n')).rows);
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual([{ n: 1 }]);
  });

  it('DIFFERENCE (documented): a custom Client whose connect only returns a promise works (pg.Pool waits for a callback for ever)', async () => {
    const PromiseClient = class extends pg.Client {};
    (PromiseClient.prototype as unknown as { connect: unknown }).connect = function connect(this: pg.Client) {
      return (pg.Client.prototype.connect as () => Promise<unknown>).call(this);
    };
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ Client: PromiseClient as never, max: 1 }));
      const result = pool.query('SELECT 2 AS n').then((r) => r.rows, (e: unknown) => describeError(e));
      const outcome = await Promise.race([result, sleep(2000).then(() => 'still waiting')]);
      if (outcome === 'still waiting') (pool as unknown as { ending: boolean }).ending = true; // its end() would wait for ever too
      return outcome;
    });
    expect(theirs).toBe('still waiting');
    expect(ours).toEqual([{ n: 2 }]);
  });

  it("an idle client's error: 'error' with err.client === client, and totalCount/idleCount drop it at once", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 2 }));
      const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
      a.release();
      b.release();
      const seen = new Promise<[Error & { client?: unknown }, unknown, number[]]>((resolve) => {
        pool.once('error', (error, client) => resolve([error as Error & { client?: unknown }, client, [pool.totalCount, pool.idleCount]]));
      });
      await terminate(pidOf(a));
      const [error, client, counts] = await seen;
      return { sameClient: error.client === client && client === a, counts, message: error.message.length > 0 };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({ sameClient: true, counts: [1, 1], message: true });
  });

  it('end(): calls already issued complete; new calls are refused with pg.Pool\'s message; a second end() rejects', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 10 }));
      const issued = Array.from({ length: 5 }, (_, i) => pool.query('SELECT $1::int AS i', [i]).then((r) => r.rows[0].i, (e: unknown) => describeError(e)));
      const ended = pool.end();
      const late = await pool.query('SELECT 1').catch((e: unknown) => (e as Error).message);
      const [lateCb] = await new Promise<unknown[]>((resolve) => pool.connect((...args: unknown[]) => resolve(args)));
      const results = await Promise.all(issued);
      await ended;
      const second = await pool.end().then(() => 'resolved', (e: unknown) => (e as Error).message);
      return { results, late, lateCb: (lateCb as Error).message, second, ended: pool.ended };
    });
    expect(ours, JSON.stringify({ ours, theirs })).toEqual(theirs);
    expect(theirs).toEqual({
      results: [0, 1, 2, 3, 4],
      late: 'Cannot use a pool after calling end on the pool',
      lateCb: 'Cannot use a pool after calling end on the pool',
      second: 'Called end on pool more than once',
      ended: true,
    });
  });

  it('DIFFERENCE (documented): end() with callers queued behind max: 1 — pg.Pool leaves them hanging, ours runs them all', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1 }));
      let settled = 0;
      const issued = Array.from({ length: 5 }, () => pool.query('SELECT 1').then(() => settled++, () => settled++));
      void issued;
      const ended = pool.end().then(() => 'ended', () => 'end failed');
      await sleep(1000);
      return { settled, ended: await Promise.race([ended, sleep(10).then(() => 'pending')]) };
    });
    expect(theirs.settled).toBeLessThan(5);
    expect(ours).toEqual({ settled: 5, ended: 'ended' });
  });

  it('DIFFERENCE (documented): waited too long for a client: a PoolError POOL_TIMEOUT whose message contains pg.Pool\'s text', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig({ max: 1, connectionTimeoutMillis: 200 }));
      const held = await pool.connect();
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      held.release();
      return error;
    });
    expect((theirs as Error).message).toBe('timeout exceeded when trying to connect');
    expect(isPoolError(ours, 'POOL_TIMEOUT')).toBe(true);
    expect((ours as Error).message).toContain('timeout exceeded when trying to connect');
  });

  it('DIFFERENCE (documented): an unknown or mistyped option is refused (pg.Pool ignores it)', async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      try {
        make(baseConfig({ connectionTimeoutMilis: 100 } as never));
        return 'accepted';
      } catch (error) {
        return error;
      }
    });
    expect(theirs).toBe('accepted');
    expect(ours).toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'connectionTimeoutMilis' });
    expect((ours as Error).message).toContain('did you mean `connectionTimeoutMillis`');
  });
});
