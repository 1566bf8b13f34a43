import { describe, expect, it } from 'vitest';
import { beginStatement, classifyPgCreateError, isFatalPgError, resolvePgConfig } from '../src/index.js';
import { splitPoolConfig } from '../src/pool-config.js';
import { scrubError } from '@pool/core/adapter-kit';

describe('resolvePgConfig', () => {
  it('a connection string alone, or a config object; adapter keys never reach pg.Client', () => {
    expect(resolvePgConfig('postgres://u@h/db').client.connectionString).toBe('postgres://u@h/db');
    const resolved = resolvePgConfig({ host: 'h', resetQuery: 'DISCARD ALL', onDirtyRelease: 'destroy', pingQuery: 'SELECT 1', endTimeoutMs: 100 });
    expect(resolved.client).toEqual({ host: 'h' });
    expect(resolved).toMatchObject({ resetQuery: 'DISCARD ALL', resetClearsStatements: true, onDirtyRelease: 'destroy', pingQuery: 'SELECT 1', endTimeoutMs: 100 });
  });

  it('defaults: rollback dirty clients, empty-query ping, no reset query', () => {
    expect(resolvePgConfig({})).toMatchObject({ resetQuery: undefined, resetClearsStatements: false, onDirtyRelease: 'rollback', pingQuery: '' });
  });

  it('only DISCARD ALL / DEALLOCATE ALL clear the client-side statement cache', () => {
    expect(resolvePgConfig({ resetQuery: 'discard   all' }).resetClearsStatements).toBe(true);
    expect(resolvePgConfig({ resetQuery: 'DEALLOCATE ALL' }).resetClearsStatements).toBe(true);
    expect(resolvePgConfig({ resetQuery: 'RESET ALL; DISCARD TEMP' }).resetClearsStatements).toBe(false);
  });

  it('bad adapter options are POOL_INVALID_OPTION naming the key', () => {
    for (const [config, option] of [
      [{ resetQuery: '' }, 'resetQuery'],
      [{ resetQuery: 42 }, 'resetQuery'],
      [{ onDirtyRelease: 'keep' }, 'onDirtyRelease'],
      [{ pingQuery: null }, 'pingQuery'],
      [{ endTimeoutMs: -1 }, 'endTimeoutMs'],
      [{ endTimeoutMs: Number.NaN }, 'endTimeoutMs'],
      [{ onConnect: 'SET x' }, 'onConnect'],
      [JSON.parse('{"__proto__": {"polluted": true}}'), '__proto__'],
    ] as const) {
      expect(() => resolvePgConfig(config as never), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('collects the password from fields and from the URL (decoded) as secrets, and hides them from inspection', () => {
    const resolved = resolvePgConfig({ connectionString: 'postgres://u:p%40ss@h/db', password: 'field-secret' });
    expect(resolved.secrets).toEqual(expect.arrayContaining(['field-secret', 'p@ss']));
    expect(Object.keys(resolved)).not.toContain('secrets');
    expect(Object.keys(resolved.client)).not.toContain('password');
    expect(Object.keys(resolved.client)).not.toContain('connectionString');
    expect(resolved.client.password).toBe('field-secret');
  });
});

describe('splitPoolConfig: the default pool name', () => {
  it('is where the pool connects, without credentials, numbered when taken; a given name stays', () => {
    const first = splitPoolConfig('postgres://app:s3cret@db.internal:6543/shop').pool.name!;
    const second = splitPoolConfig({ connectionString: 'postgres://app:s3cret@db.internal:6543/shop' }).pool.name!;
    expect(first).toMatch(/^pg:db\.internal:6543\/shop(#\d+)?$/);
    expect(second).toMatch(/^pg:db\.internal:6543\/shop#\d+$/);
    expect(second).not.toBe(first);
    expect(`${first}${second}`).not.toContain('s3cret');
    expect(splitPoolConfig({ host: '10.0.0.5', port: 5433, database: 'app' }).pool.name).toMatch(/^pg:10\.0\.0\.5:5433\/app(#\d+)?$/);
    expect(splitPoolConfig({ host: '10.0.0.5', pool: { name: 'primary' } }).pool.name).toBe('primary');
  });
});

describe('splitPoolConfig: pg.Pool-style sizing fields', () => {
  it('maps max, min, idleTimeoutMillis, connectionTimeoutMillis, maxUses, maxLifetimeSeconds; 0 means off', () => {
    const { pool, provider } = splitPoolConfig({ host: 'h', max: 5, min: 1, idleTimeoutMillis: 0, connectionTimeoutMillis: 2000, maxUses: 100, maxLifetimeSeconds: 60, allowExitOnIdle: true });
    expect(pool).toMatchObject({ name: expect.stringMatching(/^pg:h:5432(#\d+)?$/), max: 5, min: 1, idleTimeoutMs: Infinity, acquireTimeoutMs: 2000, maxUses: 100, maxLifetimeMs: 60_000 });
    expect(provider).toEqual({ host: 'h', connectionTimeoutMillis: 2000, allowExitOnIdle: true });
    expect(splitPoolConfig({ connectionTimeoutMillis: 0, maxLifetimeSeconds: 0 }).pool).toMatchObject({ acquireTimeoutMs: Infinity, maxLifetimeMs: Infinity });
  });

  it('`pool` options win over the pg.Pool-style field they overlap, and an own __proto__ key stays a key', () => {
    expect(splitPoolConfig({ max: 5, pool: { max: 7, name: 'orders' } }).pool).toMatchObject({ max: 7, name: 'orders' });
    const hostile = splitPoolConfig({ pool: JSON.parse('{"__proto__": {"max": 99}}') }).pool;
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(Object.keys(hostile)).toContain('__proto__');
  });

  it('negative or NaN sizes are POOL_INVALID_OPTION', () => {
    expect(() => splitPoolConfig({ max: -1 })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'max' }));
    expect(() => splitPoolConfig({ idleTimeoutMillis: Number.NaN })).toThrow(expect.objectContaining({ option: 'idleTimeoutMillis' }));
  });
});

describe('isFatalPgError', () => {
  it('connection-level errors are fatal', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08006', '08003', '08P01']) {
      expect(isFatalPgError(Object.assign(new Error('x'), { code })), code).toBe(true);
    }
    expect(isFatalPgError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isFatalPgError(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  });

  it('statement errors are not', () => {
    for (const code of ['42P01', '23505', '22012', '57014', '40001', '25P02']) {
      expect(isFatalPgError(Object.assign(new Error('x'), { code })), code).toBe(false);
    }
    expect(isFatalPgError(new Error('syntax error'))).toBe(false);
    expect(isFatalPgError(undefined)).toBe(false);
    expect(isFatalPgError('ECONNRESET')).toBe(false);
  });
});

describe('beginStatement', () => {
  it('builds BEGIN from whitelisted parts only', () => {
    expect(beginStatement(undefined)).toBe('BEGIN');
    expect(beginStatement({ isolationLevel: 'serializable', readOnly: true, deferrable: true })).toBe('BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE');
    expect(beginStatement({ isolationLevel: 'READ COMMITTED', readOnly: false })).toBe('BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE');
    expect(() => beginStatement({ isolationLevel: 'serializable; DROP TABLE t' as never })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION' }));
    expect(() => beginStatement({ readOnly: 'yes' as never })).toThrow(expect.objectContaining({ option: 'readOnly' }));
  });
});

describe('scrubError', () => {
  it('removes secrets from message, stack, string fields and the cause chain, raw and URL-encoded', () => {
    const inner = Object.assign(new Error('inner s3cr/t'), { detail: 'url had s3cr%2Ft' });
    const outer = new Error('outer s3cr/t', { cause: inner });
    scrubError(outer, ['s3cr/t']);
    expect(outer.message).toBe('outer ***');
    expect(outer.stack).not.toContain('s3cr/t');
    expect(inner.message).toBe('inner ***');
    expect((inner as unknown as { detail: string }).detail).toBe('url had ***');
  });
});

describe('classifyPgCreateError: what reaches the callers at once, what is retried', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  it('authentication, unknown database, privileges, TLS verification and a bad config are permanent', () => {
    for (const code of ['28P01', '28000', '3D000', '42501', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED']) {
      expect(classifyPgCreateError(withCode(code)), code).toBe('permanent');
    }
    expect(classifyPgCreateError(new Error('The server does not support SSL connections'))).toBe('permanent');
    expect(classifyPgCreateError(new TypeError('bad config'))).toBe('permanent');
  });

  it("too many connections (53300) is busy: a full server gets paced connects", () => {
    expect(classifyPgCreateError(withCode('53300'))).toBe('busy');
  });

  it('refused, reset, timeouts, a server starting up and class 08 are transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', '57P03', '08006', '08001', '57P01']) {
      expect(classifyPgCreateError(withCode(code)), code).toBe('transient');
    }
    expect(classifyPgCreateError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyPgCreateError(undefined)).toBe('transient');
  });
});
