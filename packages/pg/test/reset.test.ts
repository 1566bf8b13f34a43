import { createPool, type Pool } from '@pool/core';
import { requireService } from '@pool/testkit';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgPool, pgProvider, transactionStatus, type PgProviderConfig } from '../src/index.js';
import { stateOf } from '../src/client-state.js';
import { pgUrl, pidOf, withAdmin } from './helpers.js';

const svc = await requireService('pg');

describe.skipIf(!svc.available)('@pool/pg reset on release (reliability rows 21, 22, 37)', () => {
  let pool: Pool<pg.Client> | undefined;
  afterEach(async () => {
    await pool?.close({ timeoutMs: 2000 });
    pool = undefined;
  });

  function open(extra: Partial<PgProviderConfig> = {}): Pool<pg.Client> {
    pool = createPool(pgProvider({ connectionString: pgUrl, application_name: 'pool-pg-reset', ...extra }), { max: 1, name: 'reset-test' });
    return pool;
  }

  it('row 21: a client released inside BEGIN is rolled back; the next borrower is not in that transaction and sees none of its writes', async () => {
    const p = open();
    const first = await p.acquire();
    await first.resource.query('CREATE TEMP TABLE IF NOT EXISTS row21 (n int)');
    await first.resource.query('BEGIN');
    await first.resource.query('INSERT INTO row21 VALUES (1)');
    expect(transactionStatus(first.resource, stateOf(first.resource)!)).toBe('T');
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource); // same connection, rolled back, not destroyed
    const { rows } = await second.resource.query('SELECT now() = statement_timestamp() AS outside, (SELECT count(*)::int FROM row21) AS n');
    expect(rows[0]).toEqual({ outside: true, n: 0 });
    second.release();
    expect(p.stats().totals.destroyed).toBe(0);
  });

  it('row 21: a client released in a failed transaction (status E) is rolled back too', async () => {
    const p = open();
    const first = await p.acquire();
    await first.resource.query('BEGIN');
    await expect(first.resource.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
    first.release(); // released in the ErrorResponse window, before its ReadyForQuery may have arrived
    const second = await p.acquire();
    const { rows } = await second.resource.query('SELECT 1 AS ok');
    expect(rows[0].ok).toBe(1);
    expect(transactionStatus(second.resource, stateOf(second.resource)!)).toBe('I');
    second.release();
  });

  it('row 21: released from inside the error callback (before ReadyForQuery arrives), the failed transaction is still rolled back', async () => {
    const p = open();
    const first = await p.acquire();
    await first.resource.query('BEGIN');
    const wireStates: string[] = [];
    await new Promise<void>((resolve) => {
      first.resource.query('SELECT 1/0', (error: Error | undefined) => {
        expect(error?.message).toMatch(/division by zero/);
        wireStates.push(String((first.resource as unknown as { readyForQuery: boolean }).readyForQuery));
        first.release(); // pg calls back on ErrorResponse: the ReadyForQuery (status E) is still to come
        resolve();
      });
    });
    expect(wireStates).toEqual(['false']);
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    expect(transactionStatus(second.resource, stateOf(second.resource)!)).toBe('I');
    expect((await second.resource.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    second.release();
    expect(p.stats().totals.destroyed).toBe(0);
  });

  it("row 21: with onDirtyRelease 'destroy', a client released inside a transaction is destroyed and replaced", async () => {
    const p = open({ onDirtyRelease: 'destroy' });
    const reasons: string[] = [];
    p.on('destroy', (event) => reasons.push(event.reason));
    const first = await p.acquire();
    await first.resource.query('BEGIN');
    first.release();
    const second = await p.acquire();
    expect(second.resource).not.toBe(first.resource);
    expect(reasons).toEqual(['reset-failed']);
    const { rows } = await second.resource.query('SELECT 1 AS ok');
    expect(rows[0].ok).toBe(1);
    second.release();
  });

  it('a statement error outside a transaction keeps the client (no needless reconnect)', async () => {
    const p = open();
    const first = await p.acquire();
    await expect(first.resource.query('SELEC nope')).rejects.toThrow(/syntax/);
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    second.release();
    expect(p.stats().totals.destroyed).toBe(0);
  });

  it('a client released with a query still running: the query completes (as with pg.Pool) and the client is lent again only after it', async () => {
    const p = open();
    const first = await p.acquire();
    let finished = false;
    const running = first.resource.query('SELECT pg_sleep(0.2), 1 AS done').then((result) => {
      finished = true;
      return result.rows[0].done as number;
    });
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    expect(finished).toBe(true);
    second.release();
    expect(await running).toBe(1);
    expect(p.stats().totals.destroyed).toBe(0);
  });

  it('a client released with a query that outlasts resetTimeoutMs is destroyed, never lent with a reply in flight', async () => {
    pool = createPool(pgProvider({ connectionString: pgUrl, application_name: 'pool-pg-reset' }), { max: 1, name: 'reset-test', resetTimeoutMs: 100 });
    const first = await pool.acquire();
    const running = first.resource.query('SELECT pg_sleep(2)').catch((error: unknown) => error);
    first.release();
    const second = await pool.acquire();
    expect(second.resource).not.toBe(first.resource);
    second.release();
    await running;
  });

  it('a client released with a pg-cursor left open (read once, never closed) is destroyed at once, not waited for: the next borrower is served without delay', async () => {
    // a long resetTimeoutMs: waiting for a cursor nobody reads any more would stall the next borrower for all of it
    const p = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-reset-cursor', max: 1, pool: { resetTimeoutMs: 6_000 } });
    try {
      const destroyed: string[] = [];
      p.core.on('destroy', (event) => destroyed.push(event.reason));
      const client = await p.connect();
      const cursor = client.query(new Cursor('SELECT generate_series(1, 1000) AS n'));
      expect(await cursor.read(5)).toHaveLength(5);
      const started = performance.now();
      client.release();
      // and one submitted, never read
      const second = await p.connect();
      expect(second).not.toBe(client);
      second.query(new Cursor('SELECT generate_series(1, 10) AS n'));
      second.release();
      const { rows } = await p.query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      expect(performance.now() - started, 'the next borrowers waited on the abandoned cursors (resetTimeoutMs each)').toBeLessThan(6_000);
      expect(destroyed).toEqual(['reset-failed', 'reset-failed']);
    } finally {
      await p.end();
    }
  }, 30_000);

  it('row 22, documented policy without resetQuery: SET values and temp tables stay with the connection', async () => {
    const p = open();
    const first = await p.acquire();
    await first.resource.query("SET application_name = 'changed-by-borrower'");
    await first.resource.query('CREATE TEMP TABLE row22 (n int)');
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    const { rows } = await second.resource.query("SELECT current_setting('application_name') AS name, to_regclass('pg_temp.row22') IS NOT NULL AS temp");
    expect(rows[0]).toEqual({ name: 'changed-by-borrower', temp: true });
    second.release();
  });

  it("row 22: with resetQuery 'DISCARD ALL', the next borrower sees the defaults and no temp table", async () => {
    const p = open({ resetQuery: 'DISCARD ALL' });
    const first = await p.acquire();
    await first.resource.query("SET application_name = 'changed-by-borrower'");
    await first.resource.query('SET statement_timeout = 1234');
    await first.resource.query('CREATE TEMP TABLE row22 (n int)');
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    const { rows } = await second.resource.query(
      "SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout, to_regclass('pg_temp.row22') IS NOT NULL AS temp",
    );
    expect(rows[0]).toEqual({ name: 'pool-pg-reset', timeout: '0', temp: false });
    second.release();
  });

  it("row 22: with resetQuery 'DISCARD ALL', session advisory locks are released and LISTENs dropped", async () => {
    const p = open({ resetQuery: 'DISCARD ALL' });
    const key = 220_000_000 + process.pid; // a lock of this run's own on the shared server
    const first = await p.acquire();
    const pid = pidOf(first.resource);
    await first.resource.query('SELECT pg_advisory_lock($1)', [key]);
    await first.resource.query('LISTEN pool_pg_row22');
    const held = await withAdmin(async (admin) => (await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [pid])).rows[0].n);
    expect(held).toBe(1);
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    const { rows } = await second.resource.query('SELECT count(*)::int AS n FROM pg_listening_channels()');
    expect(rows[0].n).toBe(0);
    const left = await withAdmin(async (admin) => (await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [pid])).rows[0].n);
    expect(left).toBe(0);
    second.release();
  });

  it("rows 21 + 22: with resetQuery 'DISCARD ALL', a client released inside a transaction is rolled back first, then discarded, and kept", async () => {
    const p = open({ resetQuery: 'DISCARD ALL' });
    const first = await p.acquire();
    await first.resource.query('CREATE TEMP TABLE row21d (n int)');
    await first.resource.query("SET application_name = 'changed-before-begin'");
    await first.resource.query('BEGIN');
    await first.resource.query('INSERT INTO row21d VALUES (1)');
    first.release(); // DISCARD ALL cannot run inside a transaction block: the ROLLBACK must come first
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    expect(transactionStatus(second.resource, stateOf(second.resource)!)).toBe('I');
    const { rows } = await second.resource.query(
      "SELECT now() = statement_timestamp() AS outside, current_setting('application_name') AS name, to_regclass('pg_temp.row21d') IS NOT NULL AS temp",
    );
    expect(rows[0]).toEqual({ outside: true, name: 'pool-pg-reset', temp: false });
    second.release();
    expect(p.stats().totals.destroyed).toBe(0);
  });

  it('row 37: after DISCARD ALL, a named prepared statement used before the reset works again (pg cache cleared)', async () => {
    const p = open({ resetQuery: 'DISCARD ALL' });
    const statement = { name: 'row37-add', text: 'SELECT $1::int + 1 AS n', values: [1] };
    const first = await p.acquire();
    expect((await first.resource.query(statement)).rows[0].n).toBe(2);
    first.release();
    const second = await p.acquire();
    expect(second.resource).toBe(first.resource);
    const { rows: prepared } = await second.resource.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(prepared[0].n).toBe(0); // the server forgot it...
    expect((await second.resource.query({ ...statement, values: [41] })).rows[0].n).toBe(42); // ...and pg re-parses it
    second.release();
  });

  it('onConnect runs on every new client before it is lent', async () => {
    const p = open({ onConnect: async (client) => void (await client.query("SET search_path TO pg_catalog, public")) });
    const lease = await p.acquire();
    const { rows } = await lease.resource.query('SHOW search_path');
    expect(rows[0].search_path).toBe('pg_catalog, public');
    lease.release();
  });

  it('create honours its abort signal: the socket is closed and the signal reason rejected', async () => {
    const provider = pgProvider({ connectionString: pgUrl });
    const controller = new AbortController();
    const reason = new Error('deadline');
    const creating = provider.create({ signal: controller.signal });
    controller.abort(reason);
    await expect(creating).rejects.toBe(reason);
  });
  it("with resetQuery 'DISCARD ALL', the session settings onConnect made (SET, set_config with a parameter) are back after every release; a borrower's own are gone", async () => {
    const p = open({
      resetQuery: 'DISCARD ALL',
      onConnect: async (client) => {
        await client.query("SET search_path TO pg_catalog, public");
        await client.query("SELECT set_config('app.tenant', $1, false)", ['acme']);
        await client.query('CREATE TEMP TABLE setup_once (n int)'); // not a setting: runs once, never replayed
      },
    });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await p.acquire();
      const { rows } = await lease.resource.query("SELECT current_setting('search_path') AS path, current_setting('app.tenant', true) AS tenant, current_setting('app.mine', true) AS mine");
      seen.push(rows[0]);
      await lease.resource.query("SELECT set_config('app.mine', 'left behind', false)");
      lease.release();
    }
    // app.mine: never set before the first borrow (null), then emptied by each DISCARD ALL ('')
    expect(seen).toEqual([null, '', ''].map((mine) => ({ path: 'pg_catalog, public', tenant: 'acme', mine })));
    expect(p.stats().totals.created).toBe(1);
  });
  it("the same for pg.Pool's 'connect' listeners: what they SET on a new client survives each DISCARD ALL", async () => {
    const drop = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-reset', max: 1, resetQuery: 'DISCARD ALL' });
    try {
      drop.on('connect', (client) => {
        client.query("SET TIME ZONE 'Asia/Tokyo'");
      });
      const zones: string[] = [];
      for (let i = 0; i < 3; i++) zones.push((await drop.query("SELECT current_setting('TimeZone') AS tz")).rows[0].tz);
      expect(zones).toEqual(['Asia/Tokyo', 'Asia/Tokyo', 'Asia/Tokyo']);
      expect(drop.totalCount).toBe(1);
    } finally {
      await drop.end();
    }
  });
});
