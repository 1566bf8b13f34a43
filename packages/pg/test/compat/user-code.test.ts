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
});
