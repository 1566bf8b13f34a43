// Statement forms and driver options a ported app passes through the pool: an options object
// ({ sql, values, rowsAsArray, nestTables, typeCast, timeout }), named placeholders, several
// statements at once, value shapes. mysql2's pool and ours side by side on the real server.
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { callback, endPool, shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

type Rows = mysql.RowDataPacket[];

describe.skipIf(!service.available)('statement forms: the same outcome as mysql2.createPool', () => {
  it('query({ sql, values, rowsAsArray | nestTables | typeCast }, cb) and query(options, values, cb) in the callback pool', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 2 });
      const run = (options: mysql.QueryOptions, values?: unknown) => callback<[unknown, unknown]>((cb) => (values === undefined ? pool.query(options, cb) : pool.query(options, values as never, cb))).then(([error, rows]) => [error, rows]);
      const out = [
        await run({ sql: 'SELECT ? AS a, ? AS b', values: [1, 'x'], rowsAsArray: true }),
        await run({ sql: 'SELECT t.a, u.a FROM (SELECT 1 AS a) t JOIN (SELECT 2 AS a) u', nestTables: true }),
        await run({ sql: 'SELECT t.a FROM (SELECT 1 AS a) t', nestTables: '_' }),
        await run({ sql: 'SELECT 5 AS n, ? AS s', typeCast: (field: { name: string; string(): string | null }, next: () => unknown) => (field.name === 'n' ? `cast ${field.string()}` : next()) }, ['y']),
        await run({ sql: 'SELECT ? AS v' }, [7]),
      ];
      await endPool(pool);
      return out;
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual([
      [null, [[1, 'x']]],
      [null, [{ t: { a: 1 }, u: { a: 2 } }]],
      [null, [{ t_a: 1 }]],
      [null, [{ n: 'cast 5', s: 'y' }]],
      [null, [{ v: 7 }]],
    ]);
  });

  it('promise pool: query and execute take the options object; a scalar value binds one placeholder', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 2 });
      const [asArray] = await pool.query({ sql: 'SELECT ? AS a, ? AS b', values: [1, 2], rowsAsArray: true });
      const [executed] = await pool.execute({ sql: 'SELECT ? AS a', values: [3], rowsAsArray: true });
      const [nested] = await pool.execute<Rows>({ sql: 'SELECT t.a FROM (SELECT 4 AS a) t', nestTables: true });
      const [scalar] = await pool.query<Rows>('SELECT ? AS one', 5);
      await pool.end();
      return { asArray, executed, nested, scalar };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({ asArray: [[1, 2]], executed: [[3]], nested: [{ t: { a: 4 } }], scalar: [{ one: 5 }] });
  });

  it('namedPlaceholders (pool option) in query and execute; per statement on a pool without it', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const named = c.promisePool({ connectionLimit: 1, namedPlaceholders: true });
      const [q] = await named.query<Rows>('SELECT :a AS a, :b AS b', { a: 1, b: 'two' });
      const [e] = await named.execute<Rows>('SELECT :a + :a AS twice', { a: 21 });
      const formatted = named.format('SELECT :a', { a: 'x' } as never);
      await named.end();
      const plain = c.callbackPool({ connectionLimit: 1 });
      const [error, perStatement] = await callback<[unknown, Rows]>((cb) => plain.query({ sql: 'SELECT :n AS n', namedPlaceholders: true } as mysql.QueryOptions, { n: 9 }, cb));
      await endPool(plain);
      return { q, e, formatted, error, perStatement };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ q: [{ a: 1, b: 'two' }], e: [{ twice: 42 }], error: null, perStatement: [{ n: 9 }] });
  });

  it('multipleStatements: one call returns every result set; without it the batch is a parse error', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const many = c.promisePool({ connectionLimit: 1, multipleStatements: true });
      const [results, fields] = await many.query<Rows[]>('SELECT 1 AS a; SELECT 2 AS b; SET @x = 1');
      await many.end();
      const one = c.promisePool({ connectionLimit: 1 });
      const error = await one.query('SELECT 1; SELECT 2').then(() => undefined, (e: unknown) => e);
      const [after] = await one.query<Rows>('SELECT 3 AS c');
      await one.end();
      const okPacket = results[2] as unknown as { affectedRows: number };
      return { first: results[0], second: results[1], ok: okPacket.affectedRows, fieldSets: (fields as unknown as unknown[]).length, error: shape(error), after };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ first: [{ a: 1 }], second: [{ b: 2 }], ok: 0, error: { code: 'ER_PARSE_ERROR' }, after: [{ c: 3 }] });
  });

  it('driver options of the pool reach every connection: rowsAsArray, dateStrings, decimalNumbers, supportBigNumbers + bigNumberStrings', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1, rowsAsArray: true, dateStrings: true, decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: true });
      const sql = "SELECT DATE('2024-02-03') AS d, CAST(1.5 AS DECIMAL(4,2)) AS n, 9007199254740993 AS big";
      const [qError, q] = await callback<[unknown, unknown]>((cb) => pool.query(sql, cb));
      const [eError, e] = await callback<[unknown, unknown]>((cb) => pool.execute(sql, [], cb));
      await endPool(pool);
      return { qError, q, eError, e };
    });
    expect(ours).toEqual(mysql2);
    expect(ours.q).toEqual([['2024-02-03', 1.5, '9007199254740993']]);
  });

  it('query({ sql, timeout }): mysql2\'s PROTOCOL_SEQUENCE_TIMEOUT; the pool serves the next call', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [error] = await callback<[unknown]>((cb) => pool.query({ sql: 'SELECT SLEEP(0.5)', timeout: 50 }, cb));
      const [again, rows] = await callback<[unknown, Rows]>((cb) => pool.query('SELECT 1 AS one', cb));
      await endPool(pool);
      return { error: shape(error), message: (error as Error).message, again, rows };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ error: { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }, again: null, rows: [{ one: 1 }] });
  });

  it('a bind value mysql2 refuses (undefined) fails the callback and the promise with mysql2\'s TypeError; the connection is free again', async () => {
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.callbackPool({ connectionLimit: 1 });
      const [cbError] = await callback<[unknown]>((cb) => pool.execute('SELECT ? AS a', [undefined] as never, cb));
      const promised = await pool.promise().execute('SELECT ? AS a', [undefined] as never).then(() => undefined, (e: unknown) => e);
      const [again, rows] = await callback<[unknown, Rows]>((cb) => pool.execute('SELECT ? AS a', [1], cb));
      await endPool(pool);
      return { cb: shape(cbError), cbMessage: (cbError as Error).message, promised: shape(promised), again, rows };
    });
    expect(ours).toEqual(mysql2);
    expect(ours).toMatchObject({ cb: { class: 'TypeError' }, promised: { class: 'TypeError' }, again: null, rows: [{ a: 1 }] });
  });
});
