import { createRequire } from 'node:module';
import { createPgPool } from '@pool/pg';
import type { Comparison } from '../comparison.js';

/** The slice of node-postgres this file uses (the bench has no @types/pg). */
interface PgClientLike {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
interface PgPoolLike {
  connect(): Promise<{ release(): void }>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
interface PgModule {
  Client: new (config: Record<string, unknown>) => PgClientLike;
  Pool: new (config: Record<string, unknown>) => PgPoolLike;
}

const pg = createRequire(import.meta.url)('pg') as PgModule;

/**
 * W9: W5 through PgBouncer. `SELECT 1` at 100 callers, both pools with max 10 clients opened before
 * the rounds, talking to PgBouncer (transaction mode, default_pool_size 5: scripts/services.d/pgbouncer.sh)
 * instead of the server: @pool/pg with `pooler: 'transaction'` (its statement check runs on every
 * query) against `pg.Pool`. The extra hop and PgBouncer's 5 server connections bound both.
 */

function bouncerUrl(): string {
  const fromEnv = process.env.POOL_PGBOUNCER_URL;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : 'postgres://postgres@127.0.0.1:6432/test';
}

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PgBouncer at ${url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')} is unreachable (${error instanceof Error ? error.message : String(error)}); start it with \`bash scripts/services pgbouncer\``;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const MAX = 10;

const comparison: Comparison = {
  id: 'W9',
  title: "pg through PgBouncer (transaction mode): SELECT 1, max 10, 100 callers; @pool/pg (pooler: 'transaction') vs pg.Pool",
  concurrency: 100,
  operations: 20_000,
  async setup() {
    const url = bouncerUrl();
    const problem = await reachable(url);
    if (problem !== undefined) return { skipped: problem };
    const ours = createPgPool({ connectionString: url, application_name: 'pool-bench-pgbouncer', max: MAX, min: MAX, pooler: 'transaction' });
    await ours.core.ready();
    const theirs = new pg.Pool({ connectionString: url, application_name: 'pool-bench-pgbouncer-pg-pool', max: MAX });
    theirs.on('error', () => undefined);
    const held = await Promise.all(Array.from({ length: MAX }, () => theirs.connect()));
    for (const client of held) client.release();
    return {
      contenders: [
        { name: '@pool/pg', op: () => ours.query('SELECT 1') },
        { name: 'pg.Pool', op: () => theirs.query('SELECT 1') },
      ],
      teardown: async () => {
        await Promise.all([ours.end(), theirs.end()]);
      },
    };
  },
};

export default comparison;
