import { createRequire } from 'node:module';
import { createPgPool, type PgPoolConfig } from '@pool/pg';
import type { Comparison } from '../comparison.js';
import { unreachable } from './unreachable.js';

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

const MAX = 10;

/** Where a `SELECT 1` comparison connects, and what it calls the server in a skip message. */
export interface SelectOneTarget {
  id: string;
  title: string;
  /** The environment variable with the URL, and the URL when it is unset. */
  env: string;
  fallbackUrl: string;
  /** 'PostgreSQL', 'PgBouncer': for the skip message. */
  server: string;
  /** How to start the server, for the skip message. */
  hint?: string;
  /** application_name prefix, so the backends are told apart in pg_stat_activity. */
  label: string;
  /** Extra @pool/pg options (e.g. `pooler: 'transaction'`). */
  ours?: Partial<PgPoolConfig>;
}

function urlOf(target: SelectOneTarget): string {
  const fromEnv = process.env[target.env];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : target.fallbackUrl;
}

async function reachable(url: string, target: SelectOneTarget): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return unreachable(target.server, url, error, target.hint);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `SELECT 1` at 100 callers through @pool/pg's `pool.query` and through `pg.Pool#query`, both with
 * max 10 clients opened before the rounds. The server round trip dominates both; what differs is the
 * per-query pool work (acquire, release, the reset check, callbacks and promises).
 */
export function selectOneComparison(target: SelectOneTarget): Comparison {
  return {
    id: target.id,
    title: target.title,
    concurrency: 100,
    operations: 20_000,
    async setup() {
      const url = urlOf(target);
      const problem = await reachable(url, target);
      if (problem !== undefined) return { skipped: problem };
      const ours = createPgPool({ connectionString: url, application_name: target.label, max: MAX, min: MAX, ...target.ours });
      await ours.core.ready();
      const theirs = new pg.Pool({ connectionString: url, application_name: `${target.label}-pg-pool`, max: MAX });
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
}
