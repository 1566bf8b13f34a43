import { serviceAddress, serviceUrl } from '@pool/testkit';
import pg from 'pg';

/** The test server's URL (POOL_PG_URL or the default). */
export const pgUrl = serviceUrl('pg');

/** The URL re-aimed at another host:port (the fault proxy), keeping user, password and database. */
export function urlAt(target: { host: string; port: number }): string {
  const url = new URL(pgUrl);
  url.hostname = target.host;
  url.port = String(target.port);
  return url.toString();
}

export const upstream = (): { host: string; port: number } => serviceAddress('pg');

/** Runs `fn` with a short-lived admin client of its own (for pg_terminate_backend and checks). */
export async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: pgUrl, application_name: 'pool-pg-test-admin' });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Kills one backend from another session; resolves once the server says it is gone. */
export async function terminate(pid: number | null | undefined): Promise<void> {
  if (typeof pid !== 'number') throw new Error('client has no processID');
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`backend ${pid} still alive 3 s after pg_terminate_backend`);
  });
}

/**
 * Resolves once the server is running a statement that starts with `prefix` for a client with
 * `applicationName` (pg_stat_activity), so a fault injected next lands mid-query; throws after `timeoutMs`.
 */
export async function waitForRunning(applicationName: string, prefix: string, timeoutMs = 5000): Promise<void> {
  await withAdmin(async (admin) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rowCount } = await admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND starts_with(query, $2)",
        [applicationName, prefix],
      );
      if (rowCount !== null && rowCount > 0) return;
      if (Date.now() > deadline) throw new Error(`no "${prefix}..." running for ${applicationName} after ${timeoutMs} ms`);
      await sleep(10);
    }
  });
}

/** The backend pid of a client (pg sets processID after connect). */
export function pidOf(client: pg.Client): number {
  return (client as unknown as { processID: number }).processID;
}

/** Settles after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
