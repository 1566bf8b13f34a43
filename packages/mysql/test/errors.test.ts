import { describe, expect, it } from 'vitest';
import { isFatalMysqlError, isReadOnlyMysqlError, redactUrl } from '../src/index.js';
import { splitConfig } from '../src/config.js';
import { scrubError } from '@pool/core/adapter-kit';
import { secretsOf } from '../src/config.js';

function driverError(fields: Record<string, unknown>, message = 'boom'): Error {
  return Object.assign(new Error(message), fields);
}

describe('isFatalMysqlError', () => {
  it.each([
    ['PROTOCOL_CONNECTION_LOST', driverError({ code: 'PROTOCOL_CONNECTION_LOST' })],
    ['ECONNRESET', driverError({ code: 'ECONNRESET', errno: -104 })],
    ['EPIPE', driverError({ code: 'EPIPE' })],
    ['ER_SERVER_SHUTDOWN (1053)', driverError({ code: 'ER_SERVER_SHUTDOWN', errno: 1053 })],
    ['server has gone away (2006)', driverError({ errno: 2006 }, 'MySQL server has gone away')],
    ['lost connection (2013)', driverError({ errno: 2013 }, 'Lost connection to MySQL server during query')],
    ['MariaDB connection killed (1927)', driverError({ code: 'ER_CONNECTION_KILLED', errno: 1927 })],
    ['a packet over max_allowed_packet (1153): the server closes the connection', driverError({ code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153 })],
    ['a network read timeout on the server (1159)', driverError({ code: 'ER_NET_READ_INTERRUPTED', errno: 1159 })],
    ['the fatal flag mysql2 sets', driverError({ fatal: true })],
    ['a closed-state enqueue without a code', driverError({}, "Can't add new command when connection is in closed state")],
  ])('%s is fatal: the connection is destroyed', (_, error) => {
    expect(isFatalMysqlError(error)).toBe(true);
  });

  it.each([
    ['a syntax error', driverError({ code: 'ER_PARSE_ERROR', errno: 1064, fatal: false })],
    ['a duplicate key', driverError({ code: 'ER_DUP_ENTRY', errno: 1062 })],
    ['a deadlock', driverError({ code: 'ER_LOCK_DEADLOCK', errno: 1213 })],
    ['a lock wait timeout', driverError({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 })],
    ['KILL QUERY', driverError({ code: 'ER_QUERY_INTERRUPTED', errno: 1317 })],
    ['a plain string', 'ECONNRESET'],
    ['null', null],
  ])('%s is not fatal: the connection is reused', (_, error) => {
    expect(isFatalMysqlError(error)).toBe(false);
  });
});

describe('isReadOnlyMysqlError', () => {
  it('recognises a read-only server (failover) and nothing else', () => {
    expect(isReadOnlyMysqlError(driverError({ errno: 1290 }, 'The MariaDB server is running with the --read-only option so it cannot execute this statement'))).toBe(true);
    expect(isReadOnlyMysqlError(driverError({ errno: 1836 }, 'Running in read-only mode'))).toBe(true);
    expect(isReadOnlyMysqlError(driverError({ errno: 1290 }, 'The MariaDB server is running with the --secure-file-priv option'))).toBe(false);
    expect(isReadOnlyMysqlError(driverError({ errno: 1062 }))).toBe(false);
  });
});

describe('secrets', () => {
  it('redactUrl replaces the password in a mysql:// URL', () => {
    expect(redactUrl('mysql://app:s3cret@127.0.0.1:3306/test')).toBe('mysql://app:***@127.0.0.1:3306/test');
    expect(redactUrl('mysql://app:s3cret@[bad')).not.toContain('s3cret');
  });

  it('scrubError removes every secret from message, stack and causes', () => {
    const inner = new Error('inner saw pw-canary-1');
    const outer = new Error('outer pw-canary-1 and mysql://u:pw-canary-1@h/db', { cause: inner });
    scrubError(outer, secretsOf({ password: 'pw-canary-1' }));
    expect(outer.message).toBe('outer *** and mysql://u:***@h/db');
    expect(outer.stack).not.toContain('pw-canary-1');
    expect(inner.message).toBe('inner saw ***');
  });

  it('secretsOf finds the password inside a URI, raw and decoded', () => {
    expect(secretsOf({ uri: 'mysql://u:p%40ss@h/db' })).toEqual(['p%40ss', 'p@ss']);
  });
});

describe('splitConfig', () => {
  it('takes the adapter keys out of what goes to mysql2', () => {
    const { driver, settings } = splitConfig({ host: '127.0.0.1', resetSession: true, quitTimeoutMs: 50 });
    expect(driver).toEqual({ host: '127.0.0.1' });
    expect(settings).toEqual({ resetSession: true, quitTimeoutMs: 50 });
    expect(splitConfig('mysql://root@127.0.0.1/test').driver).toEqual({ uri: 'mysql://root@127.0.0.1/test' });
  });

  it('rejects a bad adapter option by name', () => {
    for (const bad of [{ resetSession: 'yes' as never }, { quitTimeoutMs: -1 }, { quitTimeoutMs: Number.NaN }]) {
      const key = Object.keys(bad)[0]!;
      expect(() => splitConfig(bad)).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: key }));
    }
  });
});
