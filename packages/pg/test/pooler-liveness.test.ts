// Behind a PgBouncer of this test's own (never the shared one on 6432): a statement that waits in the
// pooler's queue (every server connection busy, or PAUSE) is a live server, not a frozen one. pg.Pool's
// callers wait it out, and so must ours, with the liveness check on.
import { requireService } from '@pool/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';
import { describeError } from './compat/side-by-side.js';
import { sleep, upstream } from './helpers.js';
import { pgbouncerBinary, startPrivatePgBouncer, type PrivatePgBouncer } from './private-pgbouncer.js';

const svc = await requireService('pg');
const bouncerMissing = pgbouncerBinary() === undefined ? 'pgbouncer is not installed; `bash scripts/services pgbouncer` installs it' : undefined;
if (bouncerMissing !== undefined) {
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') throw new Error(`CI=true and ${bouncerMissing}`);
  console.warn(`\n!!! SKIPPED: ${bouncerMissing}\n`);
}

type Outcome = { ok: unknown } | Record<string, unknown>;

const contenders = [
  ['pg.Pool', (url: string) => new pg.Pool({ connectionString: url, max: 2 })],
  // a short liveness threshold: without the fix, the check's statement queued in the pooler and every call was cut after ~2 s
  ['@pool/pg', (url: string) => createPgPool({ connectionString: url, max: 2, pooler: 'transaction', livenessCheckAfterMs: 1000, pool: { validateTimeoutMs: 1000 } }) as unknown as pg.Pool],
] as const;

describe.skipIf(!svc.available || bouncerMissing !== undefined)('@pool/pg behind a private PgBouncer: statements queued in the pooler are not a frozen server', () => {
  let bouncer: PrivatePgBouncer;
  beforeAll(async () => {
    // one server connection: a second statement waits in PgBouncer's queue while the first runs
    bouncer = await startPrivatePgBouncer(upstream(), { defaultPoolSize: 1 });
  }, 20_000);
  afterAll(async () => {
    await bouncer?.dispose();
  });

  it("every server connection busy: a slow statement and the one queued behind it complete, as with pg.Pool (none fails with POOL_SERVER_UNRESPONSIVE)", async () => {
    const seen: Record<string, Outcome[]> = {};
    for (const [name, make] of contenders) {
      const pool = make(bouncer.url);
      pool.on('error', () => undefined);
      try {
        seen[name] = await Promise.all(
          [1, 2].map((n) => pool.query('SELECT pg_sleep(2.2), $1::int AS n', [n]).then((result) => ({ ok: result.rows[0].n }), (error: unknown) => describeError(error))),
        );
      } finally {
        await pool.end();
      }
    }
    expect(seen['pg.Pool']).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(seen['@pool/pg']).toEqual(seen['pg.Pool']);
  }, 20_000);

  it('PgBouncer PAUSEd for maintenance: a call issued meanwhile runs after RESUME, as with pg.Pool', async () => {
    const seen: Record<string, Outcome> = {};
    for (const [name, make] of contenders) {
      const pool = make(bouncer.url);
      pool.on('error', () => undefined);
      try {
        await pool.query('SELECT 1');
        await bouncer.admin('PAUSE');
        let resumed = false;
        try {
          const call = pool.query('SELECT 7 AS n').then((result) => ({ ok: result.rows[0].n }), (error: unknown) => describeError(error));
          await sleep(2500);
          await bouncer.admin('RESUME');
          resumed = true;
          seen[name] = await call;
        } finally {
          if (!resumed) await bouncer.admin('RESUME');
        }
      } finally {
        await pool.end();
      }
    }
    expect(seen['pg.Pool']).toEqual({ ok: 7 });
    expect(seen['@pool/pg']).toEqual(seen['pg.Pool']);
  }, 20_000);
});
