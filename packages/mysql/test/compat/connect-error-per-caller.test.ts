// One connect error that fails several waiting callers: with mysql2's pool each caller gets its own error
// object, with its own call in the stack (mysql2's `trace`). Ours must not hand them all one shared object
// whose stack is the last caller's.
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { connectionOptions } from '../helpers.js';
import { shape, sideBySide, type Contender } from './harness.js';

const service = await requireService('mysql');

function callerAlpha(pool: ReturnType<Contender['promisePool']>): Promise<Error> {
  return pool.query('SELECT 1').then(() => new Error('expected a failure'), (e: unknown) => e as Error);
}

function callerBravo(pool: ReturnType<Contender['promisePool']>): Promise<Error> {
  return pool.query('SELECT 2').then(() => new Error('expected a failure'), (e: unknown) => e as Error);
}

describe.skipIf(!service.available)('a connect error shared by waiting callers', () => {
  it('each caller gets its own error (same class, code, errno) with its own call site in the stack', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ ...connectionOptions(), user: `pool_mysql_nobody_${process.pid}`, password: 'wrong', connectionLimit: 2 });
      const [alpha, bravo] = await Promise.all([callerAlpha(pool), callerBravo(pool)]);
      await pool.end().catch(() => undefined);
      return {
        shapes: [shape(alpha), shape(bravo)],
        distinct: alpha !== bravo,
        alphaStack: alpha.stack?.includes('callerAlpha') === true && alpha.stack.includes('callerBravo') === false,
        bravoStack: bravo.stack?.includes('callerBravo') === true && bravo.stack.includes('callerAlpha') === false,
      };
    });
    // access denied: 1045, or 1698 while other suites change accounts on the shared server at the same time
    for (const result of [mysql2, ours]) {
      for (const error of result.shapes) expect([1045, 1698]).toContain(error.errno);
      expect(result.shapes[0]).toMatchObject({ class: 'Error' });
    }
    const { shapes: _, ...rest } = ours;
    expect(rest).toEqual({ distinct: true, alphaStack: true, bravoStack: true });
    expect(mysql2).toMatchObject(rest);
  });
});
