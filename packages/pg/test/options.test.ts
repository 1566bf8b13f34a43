import { inspect } from 'node:util';
import { isPoolError } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { createPgPool, pgOptionKeys, pgProvider } from '../src/index.js';
import { CANARY, expectNoCanary } from './canary.js';

/** The error `fn` throws (or 'no error'). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return error;
  }
}

describe('@pool/pg options, checked at creation', () => {
  it('a typo is refused with "did you mean", naming the key', () => {
    const error = thrown(() => createPgPool({ connectionTimeoutMilis: 1000 } as never));
    expect(error).toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'connectionTimeoutMilis' });
    expect((error as Error).message).toContain('did you mean `connectionTimeoutMillis`');
    expect(thrown(() => createPgPool({ idleTimeoutMilis: 1 } as never))).toMatchObject({ option: 'idleTimeoutMilis' });
    expect(thrown(() => pgProvider({ max: 3 } as never))).toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'max' });
  });

  it('wrong types name the key', () => {
    for (const [config, option] of [
      [{ max: '10' }, 'max'],
      [{ idleTimeoutMillis: -1 }, 'idleTimeoutMillis'],
      [{ allowExitOnIdle: 'yes' }, 'allowExitOnIdle'],
      [{ port: [5432] }, 'port'],
      [{ ssl: 'require' }, 'ssl'],
      [{ verify: true }, 'verify'],
      [{ log: console }, 'log'],
      [{ queryTimeoutMs: Number.NaN }, 'queryTimeoutMs'],
      [{ statement_timeout: 'soon' }, 'statement_timeout'],
      [{ Promise: class Fake {} }, 'Promise'],
    ] as const) {
      expect(thrown(() => createPgPool(config as never)), JSON.stringify(config)).toMatchObject({ code: 'POOL_INVALID_OPTION', option });
    }
  });

  it('DIFFERENCE (documented): maxLifetimeSeconds takes up to 10% off each client at random (pool.maxLifetimeJitter 0 gives pg.Pool\'s exact lifetime); unset is never', async () => {
    const jittered = createPgPool({ maxLifetimeSeconds: 10 });
    expect(jittered.core.options).toMatchObject({ maxLifetimeMs: 10_000, maxLifetimeJitter: 0.1 });
    expect(jittered.options.maxLifetimeSeconds).toBe(10);
    const exact = createPgPool({ maxLifetimeSeconds: 10, pool: { maxLifetimeJitter: 0 } });
    expect(exact.core.options.maxLifetimeJitter).toBe(0);
    const unset = createPgPool({});
    expect(unset.core.options.maxLifetimeMs).toBe(Infinity);
    expect(unset.options.maxLifetimeSeconds).toBe(0);
    await Promise.all([jittered.end(), exact.end(), unset.end()]);
  });

  it('every key pg.Client and pg.Pool accept is listed (and passes)', () => {
    for (const key of ['host', 'port', 'user', 'password', 'database', 'connectionString', 'ssl', 'application_name', 'statement_timeout', 'query_timeout',
      'lock_timeout', 'idle_in_transaction_session_timeout', 'keepAlive', 'keepAliveInitialDelayMillis', 'types', 'options', 'binary', 'stream',
      'max', 'min', 'idleTimeoutMillis', 'connectionTimeoutMillis', 'maxUses', 'maxLifetimeSeconds', 'allowExitOnIdle', 'log', 'verify', 'poolSize',
      'Client', 'onConnect', 'Promise']) {
      expect(pgOptionKeys.has(key), key).toBe(true);
    }
    const pool = createPgPool({ host: '127.0.0.1', port: 1, statement_timeout: 1000, keepAlive: true, Promise, poolSize: 2, log: () => {}, verify: (_c, done) => done() });
    expect(pool.options.max).toBe(2);
    void pool.end();
  });

  it('a URL with the wrong scheme, or one that does not parse, is refused at creation (not at the first query)', () => {
    for (const url of ['http://u@127.0.0.1/db', 'not a url', 'mysql://root@127.0.0.1/test']) {
      expect(thrown(() => createPgPool(url)), url).toMatchObject({ code: 'POOL_INVALID_OPTION' });
      expect(thrown(() => createPgPool({ connectionString: url })), url).toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'connectionString' });
    }
    expect(createPgPool('postgresql://u@127.0.0.1/db')).toBeDefined();
    expect(createPgPool({ connectionString: '/var/run/postgresql test' })).toBeDefined();
  });

  it('a malformed URL with a password: the password is in no error, cause or inspected object', () => {
    const encoded = encodeURIComponent(CANARY);
    const seen: unknown[] = [];
    for (const url of [`postgres://u:${encoded}@127.0.0.1:99999/db`, `postgres://u:${CANARY}@127.0.0.1/db`, `http://u:${encoded}@host/db`, `postgres://u:${encoded}@bad host/db`]) {
      const error = thrown(() => createPgPool({ connectionString: url }));
      const raw = thrown(() => createPgPool(url));
      for (const e of [error, raw]) {
        if (e === 'no error') continue;
        expect(isPoolError(e, 'POOL_INVALID_OPTION'), String(e)).toBe(true);
        seen.push(e, (e as { cause?: unknown }).cause);
      }
    }
    expect(seen.length).toBeGreaterThan(4);
    expectNoCanary(seen);
  });

  it('util.inspect of a pool, its options and its provider config never shows the password', async () => {
    const pool = createPgPool({ connectionString: `postgres://u:${encodeURIComponent(CANARY)}@127.0.0.1:1/db`, password: CANARY });
    expectNoCanary([inspect(pool, { depth: 6 }), pool.options, pool.provider.config, JSON.stringify(pool.options)]);
    await pool.end();
  });
});
