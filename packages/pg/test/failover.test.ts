import { isPoolError } from '@pool/core';
import pg from 'pg';
import { waitUntil } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, type PgCluster } from '../src/index.js';
import { privatePairProblem, startPrivatePair, type PrivatePair } from './private-pair.js';

const skip = await privatePairProblem();

interface Outcome {
  caller: number;
  n: number;
  startedAt: number;
  endedAt: number;
  port?: number;
  standby?: boolean;
  error?: unknown;
}

/** A typed failure: a @pool error (POOL_TIMEOUT after the deadline...), or a server/socket error with its code. */
function isTyped(error: unknown): boolean {
  if (isPoolError(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '';
}

describe.skipIf(skip !== undefined)('failover: the primary stops and its replica is promoted while 50 callers write', () => {
  let pair: PrivatePair;
  let cluster: PgCluster;
  const table = 'pool_pgscale_failover';
  const deadlineMs = 10_000;

  beforeAll(async () => {
    pair = await startPrivatePair();
    const admin = new pg.Client({ connectionString: pair.primaryUrl });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (caller int, n int, PRIMARY KEY (caller, n))`);
    await admin.end();
  }, 90_000);
  afterAll(async () => {
    await cluster?.end();
    await pair?.close();
  }, 30_000);

  it('writes refused with 25006 (the primary turned read-only) are not handed to callers: they wait, within their deadline, for a writable primary', async () => {
    const readOnlyCluster = createPgPool({
      primary: pair.primaryUrl,
      replicas: [pair.replicaUrl],
      max: 5,
      connectionTimeoutMillis: deadlineMs,
      health: { checkIntervalMs: 0, probe: { minDelayMs: 50, maxDelayMs: 300 } },
    });
    const admin = new pg.Client({ connectionString: pair.primaryUrl });
    await admin.connect();
    try {
      await readOnlyCluster.query(`INSERT INTO ${table} VALUES (-2, 0)`);
      const failovers: unknown[] = [];
      readOnlyCluster.on('failover', (e: { cause: unknown }) => failovers.push(e.cause));
      // the primary refuses writes from now on (25006), as a demoted or fenced primary does
      await admin.query('ALTER SYSTEM SET default_transaction_read_only = on');
      await admin.query('SELECT pg_reload_conf()');
      // pg_reload_conf() only signals: each backend, the pool's idle ones included, rereads the
      // config on its own a moment later (CI once saw a write go through 7 ms after the reload)
      await waitUntil(async () => (await admin.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only === 'on', 'the reload reached a backend', 5_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const turnedAt = performance.now();
      const writes = Array.from({ length: 20 }, (_, i) =>
        readOnlyCluster.query(`INSERT INTO ${table} VALUES (-2, $1) RETURNING inet_server_port() AS port`, [i + 1]).then((r) => ({ at: performance.now(), port: r.rows[0].port as number })),
      );
      await new Promise((resolve) => setTimeout(resolve, 700));
      // writable again: the waiting writes go through
      await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
      await admin.query('SELECT pg_reload_conf()');
      const done = await Promise.all(writes);
      expect(done.every((w) => w.port === pair.primaryPort)).toBe(true);
      expect(Math.min(...done.map((w) => w.at)) - turnedAt, 'the writes waited for a writable primary').toBeGreaterThanOrEqual(600);
      expect(failovers.length).toBeGreaterThanOrEqual(1);
      // told by whichever came first: a write refused with 25006 on an open connection, or a new
      // connection's role check answering read-only (the pool opens more for the 20 writers); a race
      expect(['25006', 'PG_HOST_ROLE_CHANGED']).toContain((failovers[0] as { code?: string }).code);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE caller = -2`);
      expect(rows[0].n).toBe(21);
    } finally {
      await admin.query('ALTER SYSTEM RESET default_transaction_read_only').catch(() => undefined);
      await admin.query('SELECT pg_reload_conf()').catch(() => undefined);
      // writable again before the next test's first write (the reload reaches backends a moment later)
      await waitUntil(async () => (await admin.query('SHOW default_transaction_read_only').catch(() => undefined))?.rows[0].default_transaction_read_only === 'off', 'the primary writable again', 5_000).catch(() => undefined);
      await admin.end();
      await readOnlyCluster.end();
    }
  }, 30_000);

  it('no write lands on a read-only server; every caller succeeds on the new primary or fails by its deadline with a typed error', async () => {
    cluster = createPgPool({
      primary: pair.primaryUrl,
      replicas: [pair.replicaUrl],
      max: 10,
      connectionTimeoutMillis: deadlineMs,
      health: { checkIntervalMs: 250, probe: { minDelayMs: 50, maxDelayMs: 500 } },
    });
    const events: string[] = [];
    cluster.on('failover', (e: { from: string }) => events.push(`failover from ${e.from}`));
    cluster.on('primary', (host: string) => events.push(`primary ${host}`));
    // writes reach the replica before the test goes on
    await cluster.query(`INSERT INTO ${table} VALUES (-1, 0)`);
    for (let i = 0; i < 200; i++) {
      const { rowCount } = await cluster.replica().query(`SELECT 1 FROM ${table} WHERE caller = -1`).catch(() => ({ rowCount: 0 }));
      if (rowCount === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const outcomes: Outcome[] = [];
    let writing = true;
    const callers = Array.from({ length: 50 }, async (_, caller) => {
      for (let n = 0; writing; n++) {
        const outcome: Outcome = { caller, n, startedAt: performance.now(), endedAt: 0 };
        try {
          const { rows } = await cluster.query(`INSERT INTO ${table} VALUES ($1, $2) RETURNING inet_server_port() AS port, pg_is_in_recovery() AS standby`, [caller, n]);
          outcome.port = rows[0].port;
          outcome.standby = rows[0].standby;
        } catch (error) {
          outcome.error = error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        outcome.endedAt = performance.now();
        outcomes.push(outcome);
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopAt = performance.now();
    await pair.stopPrimary();
    const promoteAt = performance.now();
    await pair.promoteReplica();
    const promotedAt = performance.now();
    // keep writing until writes have gone through on the new primary for a while
    const until = performance.now() + 15_000;
    while (performance.now() < until && outcomes.filter((o) => o.port === pair.replicaPort).length < 200) await new Promise((resolve) => setTimeout(resolve, 50));
    writing = false;
    await Promise.all(callers);

    const ok = outcomes.filter((o) => o.error === undefined);
    const failed = outcomes.filter((o) => o.error !== undefined);
    const firstOnNew = Math.min(...ok.filter((o) => o.port === pair.replicaPort).map((o) => o.endedAt));
    const codes = new Map<string, number>();
    for (const o of failed) {
      const e = o.error as { code?: string; cause?: { code?: string } };
      const key = `${e.code ?? (e as Error).message}${e.cause?.code ? `/${e.cause.code}` : ''}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    console.info(
      `failover: ${ok.length} writes ok (${ok.filter((o) => o.port === pair.primaryPort).length} on the old primary, ${ok.filter((o) => o.port === pair.replicaPort).length} on the new), ` +
        `${failed.length} failed ${JSON.stringify(Object.fromEntries(codes))}; stop took ${Math.round(promoteAt - stopAt)} ms, promote ${Math.round(promotedAt - promoteAt)} ms; ` +
        `first write on the new primary ${Math.round(firstOnNew - promotedAt)} ms after promotion finished (${Math.round(firstOnNew - promoteAt)} ms after it began); events: ${events.join(', ')}`,
    );

    // no write ran on a server in recovery, and none after the promotion ran anywhere but the new primary
    expect(ok.every((o) => o.standby === false)).toBe(true);
    expect(ok.filter((o) => o.startedAt > promotedAt).every((o) => o.port === pair.replicaPort)).toBe(true);
    expect(Number.isFinite(firstOnNew), 'writes resumed on the promoted replica').toBe(true);
    // the read-only refusals (25006) were handled by the pool, never handed to a caller
    expect(failed.filter((o) => (o.error as { code?: string }).code === '25006')).toEqual([]);
    for (const o of failed) {
      expect(isTyped(o.error), `untyped error: ${String(o.error)}`).toBe(true);
      expect(o.endedAt - o.startedAt, 'a failed caller gave up by its deadline').toBeLessThanOrEqual(deadlineMs + 2000);
    }
    // every write reported as done is on the new primary (the old one streamed it before stopping)
    const check = new pg.Client({ connectionString: pair.replicaUrl });
    await check.connect();
    try {
      const { rows } = await check.query(`SELECT caller, n FROM ${table} WHERE caller >= 0`);
      const stored = new Set(rows.map((r: { caller: number; n: number }) => `${r.caller}/${r.n}`));
      const missing = ok.filter((o) => !stored.has(`${o.caller}/${o.n}`));
      expect(missing, 'acknowledged writes missing on the new primary').toEqual([]);
    } finally {
      await check.end();
    }
    expect(cluster.primaryHost).toBe(`127.0.0.1:${pair.replicaPort}`);
  }, 60_000);
});
