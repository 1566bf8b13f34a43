import { createRequire } from 'node:module';
import { livenessDefaults } from '@pool/core/adapter-kit';
import { createPgPool } from '@pool/pg';
import type { Contender } from '../types.js';
import { DEADLINE_MS, MAX, withTimeout } from './shared.js';

/** The slice of node-postgres used here (the bench has no @types/pg). */
interface PgClientState {
  _queryable?: boolean;
  _ending?: boolean;
  _connectionError?: boolean;
}
interface PgPoolLike {
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'acquire', listener: (client: PgClientState) => void): unknown;
}
const pg = createRequire(import.meta.url)('pg') as { Pool: new (config: Record<string, unknown>) => PgPoolLike };

/** A pg.Client that can no longer send a query (what pg answers with "... is not queryable"). */
function broken(client: PgClientState): boolean {
  return client._queryable === false || client._ending === true || client._connectionError === true;
}

const deadlines = { connectionTimeoutMillis: DEADLINE_MS, query_timeout: DEADLINE_MS };

/** @pool/pg's defaults on a frozen server: `livenessCheckAfterMs` (3 s) + the probe's timeout (`validateTimeoutMs`, at most 2 s). */
const FROZEN_BOUND_MS = livenessDefaults.thresholdMs + livenessDefaults.maxCheckTimeoutMs;

function ours(name: string, extra: Record<string, unknown>, deadlineMs?: number): Contender {
  return {
    engine: 'PostgreSQL',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : { frozenBoundMs: FROZEN_BOUND_MS }),
    async open(url) {
      const pool = createPgPool({ connectionString: url, max: MAX, application_name: 'pool-faults', ...extra });
      pool.on('error', () => undefined);
      let lentBroken = 0;
      pool.core.on('acquire', ({ resource }) => {
        if (broken(resource as unknown as PgClientState)) lentBroken++;
      });
      return {
        call: () => pool.query('SELECT 1'),
        close: () => withTimeout(pool.end(), 5_000),
        lentBroken: () => lentBroken,
      };
    },
  };
}

function theirs(name: string, extra: Record<string, unknown>, deadlineMs?: number): Contender {
  return {
    engine: 'PostgreSQL',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const pool = new pg.Pool({ connectionString: url, max: MAX, application_name: 'pool-faults-pg-pool', ...extra });
      pool.on('error', () => undefined);
      let lentBroken = 0;
      pool.on('acquire', (client) => {
        if (broken(client)) lentBroken++;
      });
      return {
        call: () => pool.query('SELECT 1'),
        close: () => withTimeout(pool.end(), 5_000),
        lentBroken: () => lentBroken,
      };
    },
  };
}

export const pgContenders: Contender[] = [
  ours('@pool/pg (defaults)', {}),
  ours(`@pool/pg (queryTimeoutMs ${DEADLINE_MS})`, { queryTimeoutMs: DEADLINE_MS }, DEADLINE_MS),
  theirs('pg.Pool (defaults)', {}),
  theirs(`pg.Pool (connectionTimeoutMillis, query_timeout ${DEADLINE_MS})`, deadlines, DEADLINE_MS),
];
