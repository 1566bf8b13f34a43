// The forms a config comes in from real code: a mysql:// URL carrying mysql2's pool options in its
// query string (`?connectionLimit=2`), as a string or as `uri`; numbers read from the environment
// (`port: process.env.DB_PORT`); and, a documented difference, keys and values mysql2 ignores.
// mysql2's pool and ours side by side.
import { inspect } from 'node:util';
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createMysqlPool } from '../../src/index.js';
import { connectionOptions, url } from '../helpers.js';
import { callback, endPool } from './harness.js';

const service = await requireService('mysql');

/** Both createPools, taking what mysql2's takes (an options object or a URL string). */
const createPools = [
  (config: string | Record<string, unknown>) => mysql.createPool(config as never),
  (config: string | Record<string, unknown>) => createMysqlPool(config as never) as unknown as mysql.Pool,
];

/** The test server's URL with `params` in its query string. */
function urlWith(params: Record<string, string>): string {
  const target = new URL(url);
  if (target.pathname === '' || target.pathname === '/') target.pathname = '/test';
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.href;
}

/** pool.config without connectionConfig, then three concurrent statements on the pool: what each got. */
async function probe(pool: mysql.Pool) {
  const { connectionConfig: _, ...config } = pool.config as unknown as Record<string, unknown>;
  const outcomes = await Promise.all([0, 1, 2].map(() => callback<[Error | null, mysql.RowDataPacket[]?]>((cb) => pool.query('SELECT SLEEP(0.2) AS s, CONNECTION_ID() AS id', cb as never))));
  await endPool(pool);
  const ids = new Set(outcomes.flatMap(([, rows]) => (rows === undefined ? [] : [rows[0]!.id])));
  const refused = outcomes.filter(([error]) => error !== null).map(([error]) => /No connections available\./.test(error!.message));
  return { config, connections: ids.size, refused };
}

describe.skipIf(!service.available)('config forms: the same pool as mysql2.createPool', () => {
  it('a URL string\'s query string sets the pool options (connectionLimit, waitForConnections, queueLimit, maxIdle, idleTimeout)', async () => {
    const config = urlWith({ connectionLimit: '2', waitForConnections: 'false', queueLimit: '3', maxIdle: '1', idleTimeout: '5000' });
    const [mysql2, ours] = [await probe(createPools[0]!(config)), await probe(createPools[1]!(config))];
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({
      config: { connectionLimit: 2, waitForConnections: false, queueLimit: 3, maxIdle: 1, idleTimeout: 5000, resetOnRelease: false },
      connections: 2,
      refused: [true],
    });
  });

  it('{ uri } with pool options in its query string: they fill the keys the object leaves unset (or falsy), as mysql2 does', async () => {
    const uri = urlWith({ connectionLimit: '2', waitForConnections: 'false' });
    const outcomes = [];
    for (const createPool of createPools) {
      const set = createPool({ uri, connectionLimit: 3 });
      const zero = createPool({ uri, connectionLimit: 0 });
      const pick = (pool: mysql.Pool) => ({ connectionLimit: pool.config.connectionLimit, waitForConnections: pool.config.waitForConnections });
      outcomes.push({ set: pick(set), zero: pick(zero), limited: await probe(createPool({ uri })) });
      await endPool(set);
      await endPool(zero);
    }
    const [mysql2, ours] = outcomes;
    expect(ours).toEqual(mysql2);
    expect(ours!.set).toEqual({ connectionLimit: 3, waitForConnections: false });
    expect(ours!.zero).toEqual({ connectionLimit: 2, waitForConnections: false });
    expect(ours!.limited).toMatchObject({ connections: 2, refused: [true] });
  });

  it('canary: a URL pool option that is not a number is refused naming the key, never showing the URL\'s password', () => {
    const secret = `pw-${process.pid}-canary`;
    let refused: unknown;
    try {
      createMysqlPool(`mysql://root:${secret}@127.0.0.1:3306/test?connectionLimit=abc`);
    } catch (caught) {
      refused = caught;
    }
    expect(refused).toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'connectionLimit' });
    expect(`${(refused as Error).message} ${(refused as Error).stack} ${inspect(refused)}`).not.toContain(secret);
  });

  it('numbers given as strings (from the environment): port, connectTimeout, connectionLimit, queueLimit, maxIdle, idleTimeout are taken as numbers', async () => {
    const env = { DB_PORT: String(connectionOptions().port), DB_CONNECT_TIMEOUT: '5000', POOL_SIZE: '2', POOL_QUEUE: ' 4 ', POOL_IDLE: '1', POOL_IDLE_MS: '30000' };
    const config = {
      ...connectionOptions(), port: env.DB_PORT, connectTimeout: env.DB_CONNECT_TIMEOUT, connectionLimit: env.POOL_SIZE,
      queueLimit: env.POOL_QUEUE, maxIdle: env.POOL_IDLE, idleTimeout: env.POOL_IDLE_MS, waitForConnections: false,
    };
    const [mysql2, ours] = [await probe(createPools[0]!(config)), await probe(createPools[1]!(config))];
    expect(ours).toEqual(mysql2);
    expect(ours).toEqual({
      config: { connectionLimit: 2, waitForConnections: false, queueLimit: 4, maxIdle: 1, idleTimeout: 30000, resetOnRelease: false },
      connections: 2,
      refused: [true],
    });
  });

  it('difference: a key mysql2 ignores with a warning (TypeORM\'s acquireTimeout), or a value it replaces by its default, is refused at creation (POOL_INVALID_OPTION)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ acquireTimeout: 10_000 }, 'acquireTimeout'],
      [{ connectionLimit: 'ten' }, 'connectionLimit'],
      [{ waitForConnections: 'false' }, 'waitForConnections'],
    ];
    const warn = console.error;
    console.error = () => undefined; // mysql2's "Ignoring invalid configuration option" warning
    try {
      for (const [extra, key] of cases) {
        const config = { ...connectionOptions(), connectionLimit: 1, ...extra };
        const theirs = createPools[0]!(config);
        const [error, rows] = await callback<[Error | null, unknown]>((cb) => theirs.query('SELECT 1 AS n', cb as never));
        expect({ error, rows }).toEqual({ error: null, rows: [{ n: 1 }] });
        await endPool(theirs);
        let refused: unknown;
        try {
          createPools[1]!(config);
        } catch (caught) {
          refused = caught;
        }
        expect(isPoolError(refused)).toBe(true);
        expect(refused).toMatchObject({ code: 'POOL_INVALID_OPTION', option: key });
      }
    } finally {
      console.error = warn;
    }
  });
});
