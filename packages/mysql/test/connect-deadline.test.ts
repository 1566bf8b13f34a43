// The core's create deadline sits just past mysql2's connectTimeout, wherever that is set, so a connect with
// no answer fails with mysql2's ETIMEDOUT (asserted on a frozen server in compat/connect-timeout.test.ts).
import { describe, expect, it } from 'vitest';
import { createMysqlPool } from '../src/index.js';

describe('createTimeoutMs follows mysql2\'s connectTimeout', () => {
  it.each([
    ['the default (10 s)', { host: '127.0.0.1' }, 11_000],
    ['connectTimeout', { host: '127.0.0.1', connectTimeout: 3000 }, 4000],
    ['a numeric string (an environment variable)', { host: '127.0.0.1', connectTimeout: '20000' }, 21_000],
    ['a URL string', 'mysql://root@127.0.0.1/test?connectTimeout=20000', 21_000],
    ['a uri, the object\'s value winning as in mysql2', { uri: 'mysql://root@127.0.0.1/test?connectTimeout=500', connectTimeout: 9000 }, 10_000],
    ['a uri alone', { uri: 'mysql://root@127.0.0.1/test?connectTimeout=500' }, 1500],
    ['connectTimeout 0 (no driver timeout): the core\'s default', { host: '127.0.0.1', connectTimeout: 0 }, 10_000],
    ['pool.createTimeoutMs given: kept', { host: '127.0.0.1', connectTimeout: 3000, pool: { createTimeoutMs: 1234 } }, 1234],
  ])('%s', async (_, config, expected) => {
    const pool = createMysqlPool(config as never);
    try {
      expect(pool.pool.options.createTimeoutMs).toBe(expected);
    } finally {
      await pool.end();
    }
  });
});
