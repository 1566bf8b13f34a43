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
 * W5: `SELECT 1` at 100 callers through @pool/pg's `pool.query` and through `pg.Pool#query`, both
 * with max 10 clients opened before the rounds. The server round trip dominates both; what differs is
 * the per-query pool work (acquire, release, the reset check, callbacks and promises).
 */

function pgUrl(): string {
  const fromEnv = process.env.POOL_PG_URL;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : 'postgres://postgres@127.0.0.1:5432/test';
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${redact(url)} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const MAX = 10;

const comparison: Comparison = {
  id: 'W5',
  title: 'pg: SELECT 1, max 10, 100 callers; @pool/pg query() vs pg.Pool query()',
  concurrency: 100,
  operations: 20_000,
  async setup() {
    const url = pgUrl();
    const problem = await reachable(url);
    if (problem !== undefined) return { skipped: problem };
    const ours = createPgPool({ connectionString: url, application_name: 'pool-bench-pg', max: MAX, min: MAX });
    await ours.core.ready();
    const theirs = new pg.Pool({ connectionString: url, application_name: 'pool-bench-pg-pool', max: MAX });
    theirs.on('error', () => undefined);
    // open all of pg.Pool's clients before the rounds, as `min` does for @pool/pg
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
