// Issue 14 item 5: every option checked at creation (POOL_INVALID_OPTION naming the key), URLs refused by scheme, and the malformed-URL canary.
import { inspect } from 'node:util';
import { isPoolError } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { createMysqlPool, mysqlProvider } from '../src/index.js';

const invalid = (option: string, message?: RegExp) => expect.objectContaining({ code: 'POOL_INVALID_OPTION', option, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('options are checked at creation', () => {
  it.each([
    [{ max: 5 }, 'max', /did you mean `connectionLimit`/],
    [{ min: 1 }, 'min', /pool\.min/],
    [{ conectionLimit: 5 }, 'conectionLimit', /did you mean `connectionLimit`/],
    [{ pasword: 'x' }, 'pasword', /did you mean `password`/],
    [{ Promise }, 'Promise', /native promises/],
    [{ connectionLimit: -1 }, 'connectionLimit', undefined],
    [{ connectionLimit: 'three' }, 'connectionLimit', undefined],
    [{ connectionLimit: '' }, 'connectionLimit', undefined],
    [{ queueLimit: 1.5 }, 'queueLimit', undefined],
    [{ waitForConnections: 'no' }, 'waitForConnections', undefined],
    [{ idleTimeout: 0 }, 'idleTimeout', undefined],
    [{ port: 'abc' }, 'port', undefined],
    [{ port: 99999 }, 'port', undefined],
    [{ host: 42 }, 'host', undefined],
    [{ multipleStatements: 'yes' }, 'multipleStatements', undefined],
    [{ resetSession: 'yes' }, 'resetSession', undefined],
    [{ quitTimeoutMs: Number.NaN }, 'quitTimeoutMs', undefined],
    [{ queryTimeoutMs: 0 }, 'queryTimeoutMs', undefined],
    [{ livenessCheckAfterMs: 'soon' }, 'livenessCheckAfterMs', undefined],
    [{ pool: { maxx: 3 } }, 'maxx', /did you mean `max`/],
    [{ pool: 'big' }, 'pool', undefined],
    [{ uri: 'http://root@127.0.0.1:3306/test' }, 'uri', /mysql:\/\//],
  ])('%o -> POOL_INVALID_OPTION naming %s', (options, option, message) => {
    expect(() => createMysqlPool(options as never)).toThrow(invalid(option, message));
  });

  it('a URL with the wrong scheme, or one that does not parse, is refused (pool and provider)', () => {
    expect(() => createMysqlPool('http://root@127.0.0.1/test')).toThrow(invalid('url'));
    expect(() => createMysqlPool('not a url')).toThrow(invalid('url'));
    expect(() => mysqlProvider({ resetSession: 'yes' as never })).toThrow(invalid('resetSession'));
    expect(() => mysqlProvider({ quitTimeoutMs: Number.NaN })).toThrow(invalid('quitTimeoutMs'));
    expect(() => mysqlProvider({ max: 3 } as never)).toThrow(invalid('max'));
  });

  it('per-call options are checked too', async () => {
    const pool = createMysqlPool({ host: '127.0.0.1' });
    expect(() => pool.query('SELECT 1', undefined, { queryTimeoutMs: -1 })).toThrow(invalid('queryTimeoutMs'));
    await pool.end();
  });

  it('canary: a malformed URL (port 99999) never shows its password, in the error, its cause or its inspect', () => {
    const canary = 'Canary-pw-7Zq';
    for (const config of [`mysql://app:${canary}@127.0.0.1:99999/test`, { uri: `mysql://app:${canary}@127.0.0.1:99999/test` }]) {
      let error: unknown;
      try {
        createMysqlPool(config);
      } catch (e) {
        error = e;
      }
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
      const text = inspect(error, { depth: 8, showHidden: true }) + JSON.stringify(error) + String((error as Error).stack);
      expect(text).not.toContain(canary);
      expect((error as { cause?: unknown }).cause).toBeUndefined();
    }
  });

  it('canary: util.inspect of a pool (and of mysql2\'s pool.config) configured with a password never shows it', async () => {
    const canary = 'Canary-pw-9Xy';
    const pools = [createMysqlPool({ host: '127.0.0.1', user: 'u', password: canary }), createMysqlPool(`mysql://u:${canary}@127.0.0.1:3306/test`)];
    for (const pool of pools) {
      expect(inspect(pool, { depth: 12, showHidden: true })).not.toContain(canary);
      expect(inspect(pool.config, { depth: 12, showHidden: true }) + JSON.stringify(pool.config)).not.toContain(canary);
      expect(pool.config.connectionConfig).toMatchObject({ host: '127.0.0.1', user: 'u', port: 3306 });
      await pool.end();
    }
  });
});
