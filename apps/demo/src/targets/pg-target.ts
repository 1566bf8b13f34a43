import { createPgPool } from '@pool/pg';
import { redactUrl } from '../redact.js';
import { startPgliteServer, type PgliteServer } from '../servers/pglite-server.js';
import { addressOf } from './probe.js';
import type { DemoTarget, SetupContext } from './target.js';

/** Details of how PostgreSQL was provided, for the summary. */
export interface PgTarget extends DemoTarget {
  pglite: PgliteServer | undefined;
}

/**
 * PostgreSQL: the server at `url` when one is given, otherwise PGlite served through pglite-socket
 * from a worker thread of the demo. pglite-socket runs one query at a time for all connections
 * (one backend), and is started with `maxConnections: 6`; the pool's max is 4, leaving room for a
 * closing connection.
 */
export async function setupPg(ctx: SetupContext, url: string | undefined): Promise<PgTarget> {
  let pglite: PgliteServer | undefined;
  let config: { host: string; port: number; user?: string; password?: string; database?: string };
  let endpoint: string;
  if (url) {
    const parsed = new URL(url);
    const upstream = addressOf(url, 5432);
    const address = await ctx.route('pg', upstream);
    config = {
      host: address.host,
      port: address.port,
      user: decodeURIComponent(parsed.username || 'postgres'),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      database: decodeURIComponent(parsed.pathname.slice(1) || 'postgres'),
    };
    endpoint = redactUrl(url);
  } else {
    pglite = await startPgliteServer({ cacheDir: ctx.cacheDir, maxConnections: 6, note: ctx.note });
    const address = await ctx.route('pg', pglite);
    // host and port only: createPgPool refuses keys it does not know (the PGlite handle has several)
    config = { host: address.host, port: address.port, user: 'postgres', database: 'postgres' };
    endpoint = `postgres://postgres@${address.host}:${address.port}/postgres`;
  }
  const pg = createPgPool({ ...config, connectionTimeoutMillis: 5_000, pool: { ...ctx.poolOptions, name: 'pg', max: 4, min: 1 } });
  const query = async (sql: string) => void (await pg.query(sql));
  return {
    id: 'pg',
    title: pglite ? `PostgreSQL via PGlite (embedded, ${pglite.startedFrom === 'template' ? 'cached data dir' : 'fresh initdb'})` : 'PostgreSQL (given URL)',
    via: '@pool/pg',
    endpoint,
    metered: pg,
    stats: () => pg.stats(),
    callers: 8,
    pglite,
    operations: [
      { name: 'SELECT 1', weight: 4, run: () => query('SELECT 1') },
      { name: 'generate_series', weight: 1, run: () => query('SELECT count(*) FROM generate_series(1, 200)') },
      { name: 'now()', weight: 1, run: () => query('SELECT now()') },
    ],
    async close() {
      await pg.core.close({ timeoutMs: 1_000 });
      if (pglite) {
        // a template that cannot be saved only costs the next run an initdb: say so, and still stop PGlite
        await pglite.saveTemplate().catch((error: unknown) => ctx.note(`${error instanceof Error ? error.message : String(error)}; the next run starts with initdb`));
        await pglite.close();
      }
    },
  };
}
