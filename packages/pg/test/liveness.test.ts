import { isPoolError } from '@pool/core';
import { requirePrivateServer, requireService, startPrivatePostgres, waitUntil, within, type PrivatePostgres } from '@pool/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';
import { DEFAULT_LIVENESS_CHECK_AFTER_MS } from '../src/liveness.js';
import { pgUrl, sleep, withAdmin } from './helpers.js';

const svc = await requireService('pg');
// frozen with SIGSTOP: a PRIVATE instance, never the shared server (skipped loudly locally, a failure in CI)
const privatePg = requirePrivateServer('postgres');

describe('@pool/pg liveness check: a frozen server is caught, a slow query on a live one is not', () => {
  it('is on by default, after a few seconds', () => {
    expect(DEFAULT_LIVENESS_CHECK_AFTER_MS).toBe(3000);
  });

  describe.skipIf(!privatePg.available)('a PRIVATE server frozen with SIGSTOP', () => {
    let server: PrivatePostgres;
    beforeAll(async () => {
      server = await startPrivatePostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.dispose();
    });

    it('calls with no deadline fail with POOL_SERVER_UNRESPONSIVE by threshold + validateTimeoutMs; their connections are destroyed; the pool works after the thaw', async () => {
      const pool = createPgPool({ connectionString: server.url, max: 3, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
      try {
        // two idle clients for the two calls (two concurrent queries may share one, the second then
        // waiting on a connect to the frozen server, which is cut without a client to destroy)
        const held = await Promise.all([pool.connect(), pool.connect()]);
        for (const client of held) client.release();
        expect(pool.idleCount).toBe(2);
        server.freeze();
        const started = performance.now();
        const outcomes = await Promise.all([
          pool.query('SELECT 1').catch((e: unknown) => e),
          pool.query('SELECT 2').catch((e: unknown) => e),
        ]);
        const elapsed = performance.now() - started;
        for (const outcome of outcomes) {
          expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        }
        // threshold 1000 + check 1000, with room for a loaded machine
        expect(elapsed).toBeLessThan(3500);
        // both connections are destroyed, never reused (a destroy on a frozen server ends its socket after endTimeoutMs)
        await waitUntil(() => pool.stats().totals.destroyed >= 2, 'both frozen connections destroyed', 5_000);
        server.thaw();
        expect((await pool.query('SELECT 3 AS n')).rows[0].n).toBe(3);
        // no idle client left: the call waits on a connect to the frozen server, and is caught as well
        pool.core.evictAll();
        server.freeze();
        const again = performance.now();
        const connecting = await pool.query('SELECT 4').catch((e: unknown) => e);
        expect(isPoolError(connecting, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        expect(performance.now() - again).toBeLessThan(3500);
        server.thaw();
        expect((await pool.query('SELECT 5 AS n')).rows[0].n).toBe(5);
      } finally {
        server.thaw();
        await pool.end();
      }
    }, 30_000);

    it('calls cut while they wait for a client leave the line: none counts as waiting once they failed, and the next caller is served first', async () => {
      const pool = createPgPool({ connectionString: server.url, max: 1, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
      try {
        await pool.query('SELECT 1');
        server.freeze();
        // one call holds the only client, three wait for it
        const outcomes = await Promise.all([1, 2, 3, 4].map((n) => pool.query(`SELECT ${n}`).catch((e: unknown) => e)));
        for (const outcome of outcomes) expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        expect(pool.waitingCount).toBe(0);
        expect(pool.stats().totals.aborted).toBe(3);
        server.thaw();
        expect((await pool.query('SELECT 8 AS n')).rows[0].n).toBe(8);
        expect(pool.waitingCount).toBe(0);
      } finally {
        server.thaw();
        await pool.end();
      }
    }, 30_000);

    it('a transaction on the frozen server fails with POOL_SERVER_UNRESPONSIVE by threshold + validateTimeoutMs', async () => {
      const pool = createPgPool({ connectionString: server.url, max: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
      try {
        await pool.query('SELECT 1');
        const started = performance.now();
        const error = await pool.transaction(async (client) => {
          server.freeze();
          return client.query('SELECT 1');
        }).catch((e: unknown) => e);
        expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        expect(performance.now() - started).toBeLessThan(3500);
        server.thaw();
        expect(await pool.transaction(async (client) => (await client.query('SELECT 6 AS n')).rows[0].n)).toBe(6);
      } finally {
        server.thaw();
        await pool.end();
      }
    }, 30_000);

    // connect(), acquire() and transaction()'s borrow are watched while they wait, as pool.query is: the idle
    // client's validation ping (due after validateAfterIdleMs, 1 s), then connects to the frozen server, got
    // no answer until the acquire deadline: 30 s with defaults, connectionTimeoutMillis when set
    it('DIFFERENCE (documented): connect() on a frozen server whose idle client is due for its ping: pg.Pool lends it at once and the first query on it hangs; ours fails with POOL_SERVER_UNRESPONSIVE within threshold + check (defaults: 3 s + 2 s), with or without connectionTimeoutMillis, in every form', async () => {
      const open = (extra: object = {}) => createPgPool({ connectionString: server.url, max: 2, ...extra });
      const plain = [open(), open(), open()];
      const timed = [open({ connectionTimeoutMillis: 10_000 }), open({ connectionTimeoutMillis: 10_000 })];
      const ours = [...plain, ...timed];
      const theirs = new pg.Pool({ connectionString: server.url, max: 2 });
      theirs.on('error', () => {});
      let lent: pg.PoolClient | undefined;
      try {
        await Promise.all([...ours.map((p) => p.query('SELECT 1')), theirs.query('SELECT 1')]);
        await sleep(1200); // past validateAfterIdleMs (1 s): our next lend pings first
        server.freeze();
        const started = performance.now();
        const settle = <T>(promise: Promise<T>) => promise.then(
          (value) => ({ value, error: undefined as unknown, ms: performance.now() - started }),
          (error: unknown) => ({ value: undefined, error, ms: performance.now() - started }),
        );
        const borrowed = Promise.all([
          settle(plain[0]!.connect()),
          settle(new Promise<pg.PoolClient>((resolve, reject) => plain[1]!.connect((error, client) => (error ? reject(error) : resolve(client!))))),
          settle(plain[2]!.acquire({ signal: new AbortController().signal })),
          settle(timed[0]!.connect()),
          settle(timed[1]!.transaction(() => 'ran')),
        ]);
        // pg.Pool lends its idle client at once (no check), and the query on it never gets a reply
        lent = await within(theirs.connect(), 2000, "pg.Pool's connect()");
        let theirQuery = 'pending';
        const query = lent.query('SELECT 1').then(() => (theirQuery = 'answered'), () => (theirQuery = 'failed'));
        const outcomes = await within(borrowed, 11_000, 'our connect() forms');
        for (const { value, error, ms } of outcomes) {
          expect(value).toBeUndefined();
          expect(isPoolError(error, 'POOL_SERVER_UNRESPONSIVE'), String(error)).toBe(true);
          // 3000 ms threshold + 2000 ms check, with room for a loaded 2-core machine (it was 30 s, or connectionTimeoutMillis' 10 s)
          expect(ms).toBeLessThan(8000);
        }
        expect(theirQuery).toBe('pending');
        // the failed callers left the line: none waits on for a client
        for (const p of ours) {
          expect(p.waitingCount).toBe(0);
          expect(p.stats().pending).toBe(0);
        }
        server.thaw();
        await within(query, 5000, "pg.Pool's query after the thaw");
        expect(theirQuery).toBe('answered');
        const client = await plain[0]!.connect();
        expect((await client.query('SELECT 7 AS n')).rows[0].n).toBe(7);
        client.release();
        expect(await timed[1]!.transaction(async (c) => (await c.query('SELECT 8 AS n')).rows[0].n)).toBe(8);
      } finally {
        server.thaw();
        lent?.release();
        await Promise.all([...ours.map((p) => p.end().catch(() => undefined)), theirs.end().catch(() => undefined)]);
      }
    }, 20_000);

    it('DIFFERENCE (documented): connect() with no idle client on a frozen server (its connects get no answer): pg.Pool (connectionTimeoutMillis 0) waits for ever; ours fails with POOL_SERVER_UNRESPONSIVE within threshold + check; a caller\'s own abort stays POOL_ABORTED', async () => {
      const ours = createPgPool({ connectionString: server.url, max: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } });
      const theirs = new pg.Pool({ connectionString: server.url, max: 2 });
      theirs.on('error', () => {});
      server.freeze();
      try {
        const started = performance.now();
        let theirs1 = 'pending';
        void theirs.connect().then((c) => { theirs1 = 'lent'; c.release(); }, () => (theirs1 = 'failed'));
        const aborter = new AbortController();
        setTimeout(() => aborter.abort(new Error('caller gave up')), 300);
        const [unresponsive, aborted] = await within(Promise.all([
          ours.connect().then(() => 'lent', (e: unknown) => e),
          ours.acquire({ signal: aborter.signal }).then(() => 'lent', (e: unknown) => e),
        ]), 10_000, 'our connect() calls');
        expect(isPoolError(unresponsive, 'POOL_SERVER_UNRESPONSIVE'), String(unresponsive)).toBe(true);
        expect(isPoolError(aborted, 'POOL_ABORTED'), String(aborted)).toBe(true);
        // 1000 ms threshold + 1000 ms check, generous for a loaded machine (it was 30 s, the acquire deadline)
        expect(performance.now() - started).toBeLessThan(5000);
        expect(theirs1).toBe('pending');
        expect(ours.waitingCount).toBe(0);
        server.thaw();
        const client = await ours.connect();
        expect((await client.query('SELECT 9 AS n')).rows[0].n).toBe(9);
        client.release();
      } finally {
        server.thaw();
        await Promise.all([ours.end().catch(() => undefined), theirs.end().catch(() => undefined)]);
      }
    }, 20_000);

    it('with a per-call deadline, a call on the frozen server settles by that deadline (POOL_TIMEOUT phase query)', async () => {
      const pool = createPgPool({ connectionString: server.url, max: 2, queryTimeoutMs: 600 });
      try {
        await pool.query('SELECT 1');
        server.freeze();
        const started = performance.now();
        const error = await pool.query('SELECT 1').catch((e: unknown) => e);
        const elapsed = performance.now() - started;
        expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
        expect((error as { phase: string }).phase).toBe('query');
        expect(elapsed).toBeLessThan(1600);
      } finally {
        server.thaw();
        await pool.end();
      }
    }, 30_000);

    it('a multi-host pool (PgCluster) bounds its queries too: the liveness check, or a query deadline that covers the wait for a primary', async () => {
      const cluster = createPgPool({ hosts: [server.url], max: 2, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 }, health: { checkIntervalMs: 0 } });
      try {
        await cluster.query('SELECT 1');
        server.freeze();
        let started = performance.now();
        const unresponsive = await cluster.query('SELECT 2').catch((e: unknown) => e);
        expect(isPoolError(unresponsive, 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
        expect(performance.now() - started).toBeLessThan(3500);
        // its host is now down: the call waits for it within its own deadline, not the 30 s acquire timeout
        started = performance.now();
        const timedOut = await cluster.query({ text: 'SELECT 1', queryTimeoutMs: 600 } as never).catch((e: unknown) => e);
        expect(isPoolError(timedOut, 'POOL_TIMEOUT')).toBe(true);
        expect(performance.now() - started).toBeLessThan(1600);
        server.thaw();
        await waitUntil(async () => (await cluster.query('SELECT 3 AS n').catch(() => undefined))?.rows[0].n === 3, 'the cluster answers after the thaw', 10_000);
      } finally {
        server.thaw();
        await cluster.end();
      }
    }, 30_000);

    it('a PgCluster\'s connect(), transaction() and query whose idle client is due for its ping fail with POOL_SERVER_UNRESPONSIVE by threshold + check (they waited for the 30 s deadline); a query with its own deadline gets POOL_TIMEOUT by it', async () => {
      const cluster = createPgPool({ hosts: [server.url], max: 4, livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 }, health: { checkIntervalMs: 0 } });
      try {
        const held = await Promise.all([cluster.connect(), cluster.connect(), cluster.connect(), cluster.connect()]);
        for (const client of held) client.release();
        await sleep(1200); // past validateAfterIdleMs: each lend pings first
        server.freeze();
        const started = performance.now();
        const outcomes = await within(Promise.all([
          cluster.connect().then(() => 'lent', (e: unknown) => e),
          cluster.transaction(() => 'ran').catch((e: unknown) => e),
          cluster.query('SELECT 1').catch((e: unknown) => e),
          // a query with a deadline of its own is not watched (as a PgPool's): that deadline bounds it
          cluster.query({ text: 'SELECT 1', queryTimeoutMs: 4000 } as never).catch((e: unknown) => e),
        ]), 11_000, 'the cluster\'s calls');
        const timed = outcomes.pop();
        for (const outcome of outcomes) expect(isPoolError(outcome, 'POOL_SERVER_UNRESPONSIVE'), String(outcome)).toBe(true);
        expect(isPoolError(timed, 'POOL_TIMEOUT'), String(timed)).toBe(true);
        expect(performance.now() - started).toBeLessThan(7000);
        server.thaw();
        await waitUntil(async () => (await cluster.query('SELECT 3 AS n').catch(() => undefined))?.rows[0].n === 3, 'the cluster answers after the thaw', 10_000);
      } finally {
        server.thaw();
        await cluster.end();
      }
    }, 20_000);

    it('a PgCluster query with a deadline on a frozen server it is connected to settles by it (POOL_TIMEOUT phase query)', async () => {
      const cluster = createPgPool({ hosts: [server.url], max: 2, queryTimeoutMs: 700, health: { checkIntervalMs: 0 } });
      try {
        await cluster.query('SELECT 1');
        server.freeze();
        const started = performance.now();
        const error = await cluster.query('SELECT 1').catch((e: unknown) => e);
        expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
        expect((error as { phase: string }).phase).toBe('query');
        expect(performance.now() - started).toBeLessThan(1700);
      } finally {
        server.thaw();
        await cluster.end();
      }
    }, 30_000);
  });

  describe.skipIf(!svc.available)('a live server (the shared one)', () => {
    it('pg_sleep(8) with the default threshold (5 s) is never cut', async () => {
      const pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-liveness-sleep', max: 2 });
      try {
        const { rows } = await pool.query('SELECT pg_sleep(8), 1 AS ok');
        expect(rows[0].ok).toBe(1);
        expect(pool.stats().totals.destroyed).toBe(0);
      } finally {
        await pool.end();
      }
    }, 30_000);

    it('an idle client lent at once (no ping due) skips the watch: connect() and the borrow of transaction() start no watch; one due for its ping is watched', async () => {
      const pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-liveness-fast', max: 2 });
      const watchdog = (pool as unknown as { watchdog: { watch: (...args: unknown[]) => unknown } }).watchdog;
      const watch = watchdog.watch.bind(watchdog);
      let watched = 0;
      watchdog.watch = (...args: unknown[]) => {
        watched++;
        return watch(...args);
      };
      try {
        await pool.query('SELECT 1');
        watched = 0;
        const client = await pool.connect();
        client.release();
        expect(await pool.transaction(async (c) => (await c.query('SELECT 1 AS n')).rows[0].n)).toBe(1);
        // the transaction itself is watched once lent (its BEGIN ... COMMIT); its borrow was not
        expect(watched).toBe(1);
        await sleep(1200); // past validateAfterIdleMs: the next lend pings first, and that wait is watched
        watched = 0;
        const pinged = await pool.connect();
        pinged.release();
        expect(watched).toBe(1);
      } finally {
        await pool.end();
      }
    }, 30_000);

    it('a lock wait past the threshold is never cut', async () => {
      const key = 700_000 + (process.pid % 100_000);
      const pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-liveness-lock', max: 2, livenessCheckAfterMs: 500 });
      try {
        await withAdmin(async (admin) => {
          await admin.query('SELECT pg_advisory_lock($1)', [key]);
          const waiting = pool.query('SELECT pg_advisory_lock($1), 1 AS ok', [key]);
          await new Promise((resolve) => setTimeout(resolve, 2500));
          await admin.query('SELECT pg_advisory_unlock($1)', [key]);
          expect((await waiting).rows[0].ok).toBe(1);
        });
        expect(pool.stats().totals.destroyed).toBe(0);
      } finally {
        await pool.end();
      }
    }, 30_000);
  });
});
