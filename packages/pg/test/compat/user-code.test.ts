import { requireService } from '@pool/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPgPool } from '../../src/index.js';
import { pgUrl, pidOf, terminate } from '../helpers.js';
import { baseConfig, describeError, sideBySide, sleep } from './side-by-side.js';

const svc = await requireService('pg');

// What application code does with pg.Pool beyond pg-pool's own tests, run against both pools.

/** Where a rejection's stack leads: to the caller's awaits, or to the socket read that parsed the reply. */
function stackOf(error: unknown): { caller: boolean; socket: boolean } {
  const stack = String((error as Error).stack);
  return { caller: /at (async )?(userQuery|userConnect|userEnd) /.test(stack), socket: stack.includes('onStreamRead') };
}

// each awaits the pool's promise itself (a .catch() in between would hide the caller from the async stack)
async function userQuery(pool: pg.Pool): Promise<unknown> {
  try {
    return await pool.query('SELEC 1');
  } catch (error) {
    return error;
  }
}

async function userConnect(pool: pg.Pool): Promise<unknown> {
  try {
    return await pool.connect();
  } catch (error) {
    return error;
  }
}

async function userEnd(pool: pg.Pool): Promise<unknown> {
  await pool.end();
  try {
    return await pool.end();
  } catch (error) {
    return error;
  }
}

describe.skipIf(!svc.available)('side by side with pg.Pool: what user code does', () => {
  it("a rejected query(), connect() or end() promise: err.stack leads back to the caller's await, not to the socket read", async () => {
    const { theirs, ours } = await sideBySide(async (make) => {
      const pool = make(baseConfig());
      const statement = await userQuery(pool);
      const noDb = new URL(pgUrl);
      noDb.pathname = '/pool_pg_no_such_database';
      const connect = await userConnect(make({ connectionString: noDb.toString() }));
      const end = await userEnd(pool);
      return { statement: [describeError(statement).code, stackOf(statement)], connect: [describeError(connect).code, stackOf(connect)], end: stackOf(end) };
    });
    expect(ours).toEqual(theirs);
    expect(theirs).toEqual({
      statement: ['42601', { caller: true, socket: false }],
      connect: ['3D000', { caller: true, socket: false }],
      end: { caller: true, socket: false },
    });
  });

  it('a config typed pg.PoolConfig (verify, Client, Promise, log, types) is taken as it is, and the pool passes where a pg.Pool is typed', async () => {
    // this test is mostly for the type checker (`pnpm typecheck`): these lines compile against pg's types
    const run = async (pool: pg.Pool): Promise<unknown[]> => {
      const client: pg.PoolClient = await pool.connect();
      try {
        const { rows } = await client.query<{ n: string }>('SELECT 1::int AS n');
        return rows;
      } finally {
        client.release();
      }
    };
    const verified: string[] = [];
    const config: pg.PoolConfig = {
      connectionString: pgUrl,
      max: 2,
      Promise,
      Client: pg.Client,
      log: () => {},
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 23 ? (value: string) => `int ${value}` : pg.types.getTypeParser(oid, format as 'text')) },
      verify: (client: pg.PoolClient, done: (err?: Error) => void) => {
        verified.push(typeof client.query);
        done();
      },
    };
    const theirs = new pg.Pool(config);
    const ours: pg.Pool = createPgPool(config);
    try {
      expect(await run(ours)).toEqual(await run(theirs));
      expect(await run(ours)).toEqual([{ n: 'int 1' }]);
      expect(verified).toEqual(['function', 'function']);
    } finally {
      await Promise.all([theirs.end(), ours.end()]);
    }
  });
});
