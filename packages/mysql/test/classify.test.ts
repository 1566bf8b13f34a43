import { describe, expect, it } from 'vitest';
import { classifyMysqlCreateError } from '../src/index.js';

/** An error shaped as mysql2 raises it. */
const driverError = (code: string, errno?: number) => Object.assign(new Error(code), { code, ...(errno === undefined ? {} : { errno }) });

describe('classifyMysqlCreateError: what a failed connect means for the waiting callers', () => {
  it.each([
    ['ER_ACCESS_DENIED_ERROR', 1045],
    ['ER_BAD_DB_ERROR', 1049],
    ['ER_DBACCESS_DENIED_ERROR', 1044],
    // MariaDB's "Access denied, this account is locked" (mysql2 names 4151 after MySQL's table) and MySQL's
    ['ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE', 4151],
    ['ER_ACCOUNT_HAS_BEEN_LOCKED', 3118],
    ['ER_HOST_NOT_PRIVILEGED', 1130],
    ['ER_HOST_IS_BLOCKED', 1129],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', undefined],
    ['ERR_TLS_CERT_ALTNAME_INVALID', undefined],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', undefined],
    ['HANDSHAKE_NO_SSL_SUPPORT', undefined],
  ])('%s is permanent', (code, errno) => {
    expect(classifyMysqlCreateError(driverError(code, errno))).toBe('permanent');
  });

  it('a bad config (mysql2 throws a TypeError/RangeError) is permanent', () => {
    expect(classifyMysqlCreateError(new TypeError('bad option'))).toBe('permanent');
    expect(classifyMysqlCreateError(new RangeError('port out of range'))).toBe('permanent');
  });

  it.each([
    ['ECONNREFUSED', undefined],
    ['ECONNRESET', undefined],
    ['PROTOCOL_CONNECTION_LOST', undefined],
    ['ETIMEDOUT', undefined],
    ['ER_SERVER_SHUTDOWN', 1053],
  ])('%s is transient', (code, errno) => {
    expect(classifyMysqlCreateError(driverError(code, errno))).toBe('transient');
  });

  it.each([
    ['ER_CON_COUNT_ERROR', 1040],
    ['ER_TOO_MANY_USER_CONNECTIONS', 1203],
    ['ER_USER_LIMIT_REACHED', 1226],
  ])("%s is busy: a server with no room, retried at @pool/core's paced backoff", (code, errno) => {
    expect(classifyMysqlCreateError(driverError(code, errno))).toBe('busy');
  });
});
