import { requireService, waitUntil, within } from '@pool/testkit';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgPool, isFatalPgError, pgProvider, type PgPool, type PgProviderConfig } from '../src/index.js';
import { pgUrl, pidOf, terminate, waitForRunning, withAdmin } from './helpers.js';

const svc = await requireService('pg');
const signal = (): AbortSignal => new AbortController().signal;

/** What the server says about one backend: its last statement (pg_stat_activity.query). */
async function lastStatementOf(pid: number): Promise<string> {
  return withAdmin(async (admin) => (await admin.query('SELECT query FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].query as string);
}

describe.skipIf(!svc.available)('@pool/pg pgProvider against the real server', () => {
  let pool: PgPool | undefined;
  afterEach(async () => {
    await pool?.end();
    pool = undefined;
  });

  it('connects from a bare connection string, a { connectionString }, and separate host/port/user/database fields', async () => {
    const url = new URL(pgUrl);
    const expected = { db: url.pathname.slice(1), who: decodeURIComponent(url.username) || 'postgres', port: Number(url.port || 5432) };
    const fields: PgProviderConfig = { host: url.hostname, port: expected.port, user: expected.who, database: expected.db };
    if (url.password !== '') fields.password = decodeURIComponent(url.password);
    for (const config of [pgUrl, { connectionString: pgUrl }, fields]) {
      const provider = pgProvider(config);
      const client = await provider.create({ signal: signal() });
      try {
        const { rows } = await client.query('SELECT current_database() AS db, current_user AS who, inet_server_port() AS port');
        expect(rows[0], JSON.stringify(typeof config === 'string' ? 'string' : Object.keys(config))).toEqual(expected);
      } finally {
        await provider.destroy!(client);
      }
    }
  });

  it('validate pings with one empty query by default, and with SELECT 1 when pingQuery says so (as the server saw them)', async () => {
    const provider = pgProvider({ connectionString: pgUrl, application_name: 'pool-pg-ping' });
    const client = await provider.create({ signal: signal() });
    try {
      await client.query('SELECT 42');
      await expect(provider.validate!(client, { signal: signal(), idleMs: 0 })).resolves.toBe(true);
      expect(await lastStatementOf(pidOf(client))).toBe('');
      const select = pgProvider({ connectionString: pgUrl, pingQuery: 'SELECT 1' });
      await expect(select.validate!(client, { signal: signal(), idleMs: 0 })).resolves.toBe(true);
      expect(await lastStatementOf(pidOf(client))).toBe('SELECT 1');
    } finally {
      await provider.destroy!(client);
    }
  });

  it('isBroken: false while healthy, true once the backend is killed (error, end) or the client is destroyed; validate then says false with no round trip', async () => {
    const provider = pgProvider({ connectionString: pgUrl, application_name: 'pool-pg-broken' });
    const killed = await provider.create({ signal: signal() });
    expect(provider.isBroken(killed)).toBe(false);
    const ended = new Promise((resolve) => killed.once('end', resolve));
    await terminate(pidOf(killed));
    await within(ended, 3000, "the killed client's 'end' event");
    expect(provider.isBroken(killed)).toBe(true);
    await expect(provider.validate!(killed, { signal: signal(), idleMs: 0 })).resolves.toBe(false);
    await provider.destroy!(killed);

    const closed = await provider.create({ signal: signal() });
    expect(provider.isBroken(closed)).toBe(false);
    await provider.destroy!(closed);
    expect(provider.isBroken(closed)).toBe(true);
  });

  it('a backend killed mid-query (57P01 admin_shutdown): that caller gets the 57P01 error, the client is destroyed, no pool error event, the next query runs on a new backend', async () => {
    const applicationName = `pool-pg-57p01-${process.pid}`;
    const p = (pool = createPgPool({ connectionString: pgUrl, application_name: applicationName, max: 1 }));
    const poolErrors: unknown[] = [];
    p.on('error', (error) => poolErrors.push(error));
    const destroyed: pg.Client[] = [];
    p.core.on('destroy', (event) => destroyed.push(event.resource));
    const client = await p.connect();
    const pid = pidOf(client);
    client.release();
    // listened to after release: listeners a borrower adds are removed when it gives the client back
    const ended = new Promise((resolve) => client.once('end', resolve));
    const slow = p.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
    await waitForRunning(applicationName, 'SELECT pg_sleep');
    await withAdmin((admin) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
    const error = await slow;
    expect(error).toMatchObject({ code: '57P01' });
    expect(isFatalPgError(error)).toBe(true);
    await waitUntil(() => destroyed.length === 1, 'the killed client to be destroyed');
    expect(destroyed[0]).toBe(client);
    await within(ended, 3000, "the killed client's 'end' event");
    expect(poolErrors).toEqual([]); // a borrowed client's failure is its caller's, not an idle-client 'error'
    const { rows } = await p.query('SELECT pg_backend_pid() AS pid');
    expect(rows[0].pid).not.toBe(pid);
  });
});
