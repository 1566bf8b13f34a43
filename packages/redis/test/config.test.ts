import { isPoolError } from '@pool/core';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isFailoverRedisError, isFatalRedisError, resolveConfig, scrubError, scrubText } from '../src/index.js';
import { judgePingError } from '../src/ping-reply.js';

describe('resolveConfig', () => {
  it('reads host, port, credentials and db from a URL and forces the pool-safe ioredis options', () => {
    const config = resolveConfig({ url: 'redis://alice:s%40cret@127.0.0.1:6390/3', clientName: 'jobs' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 6390, username: 'alice', password: 's@cret', db: 3, clientName: 'jobs', reset: 'tracked', tls: false });
    expect(config.secrets).toEqual(['s@cret', 's%40cret']);
    expect(config.options).toMatchObject({ lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0, connectionName: 'jobs', db: 3 });
    expect(config.options.retryStrategy?.(1)).toBeNull();
  });

  it('lets explicit fields override the URL and keeps user ioredis options it does not own', () => {
    const config = resolveConfig({ url: 'rediss://h.local:7000/1', db: 2, redisOptions: { keepAlive: 1000, retryStrategy: () => 5, enableOfflineQueue: true } as never });
    expect(config).toMatchObject({ host: 'h.local', port: 7000, db: 2, tls: true });
    expect(config.options.keepAlive).toBe(1000);
    expect(config.options.tls).toEqual({});
    expect(config.options.enableOfflineQueue).toBe(false);
    expect(config.options.retryStrategy?.(1)).toBeNull();
  });

  it('reads the URL query as ioredis does for db, family, username and password (the path and userinfo win); refuses any other parameter instead of dropping it', () => {
    // ioredis: new Redis('redis://h?db=3') uses db 3; before, the pool silently used db 0
    expect(resolveConfig({ url: 'redis://h?db=3' })).toMatchObject({ db: 3, options: { db: 3 } });
    expect(resolveConfig({ url: 'redis://h/2?db=3' }).db).toBe(2);
    expect(resolveConfig({ url: 'redis://h?db=3', db: 4 }).db).toBe(4);
    const six = resolveConfig({ url: 'redis://h:6379?family=6' });
    expect(six.options.family).toBe(6);
    expect(six.standalone.family).toBe(6);
    expect(resolveConfig({ url: 'redis://h?family=6', redisOptions: { family: 4 } }).options.family).toBe(4);
    const query = resolveConfig({ url: 'redis://h?username=bob&password=canary-q-1' });
    expect(query).toMatchObject({ username: 'bob', password: 'canary-q-1' });
    expect(query.secrets).toContain('canary-q-1');
    expect(resolveConfig({ url: 'redis://amy:pw@h?username=bob&password=other' })).toMatchObject({ username: 'amy', password: 'pw' });
    for (const url of ['redis://h?connectTimeout=5', 'redis://h?db=x', 'redis://h?family=5', 'redis://:canary-q-2@h?keyPrefix=canary-q-2']) {
      let caught: unknown;
      try {
        resolveConfig({ url });
      } catch (error) {
        caught = error;
      }
      expect(isPoolError(caught, 'POOL_INVALID_OPTION'), url).toBe(true);
      expect((caught as { option: string }).option).toBe('url');
      expect(String((caught as Error).stack)).not.toContain('canary-q-2');
    }
  });

  it.each([
    [{ port: 0 }, 'port'],
    [{ db: -1 }, 'db'],
    [{ db: Number.NaN }, 'db'],
    [{ reset: 'sometimes' }, 'reset'],
    [{ url: 'http://x' }, 'url'],
    [{ url: 'redis://h/abc' }, 'url'],
    [{ clientName: 'has space' }, 'clientName'],
    [{ clientName: 'wörker' }, 'clientName'],
    [{ clientName: 'tab\there' }, 'clientName'],
    [{ connectTimeoutMs: -5 }, 'connectTimeoutMs'],
    [{ passwrd: 'typo' }, 'passwrd'],
  ])('rejects %o with POOL_INVALID_OPTION naming %s', (config, key) => {
    let caught: unknown;
    try {
      resolveConfig(config as never);
    } catch (error) {
      caught = error;
    }
    expect(isPoolError(caught, 'POOL_INVALID_OPTION')).toBe(true);
    expect((caught as { option: string }).option).toBe(key);
  });

  it('never echoes a password from a bad URL', () => {
    expect(() => resolveConfig({ url: 'ftp://u:canary-pw-1@h' })).toThrow(/expected redis/);
    try {
      resolveConfig({ url: 'ftp://u:canary-pw-1@h' });
    } catch (error) {
      expect(String((error as Error).stack)).not.toContain('canary-pw-1');
    }
  });
});

describe('redaction (the shared @pool/core routine)', () => {
  it('masks secrets and URL passwords in text', () => {
    expect(scrubText('auth canary123 failed', ['canary123'])).toBe('auth *** failed');
    expect(scrubText('to redis://bob:hunter2@h:1/0', [])).toBe('to redis://bob:***@h:1/0');
  });

  it('scrubs the AUTH arguments ioredis attaches to a ReplyError, keeping its class', () => {
    const original = new ReplyError('WRONGPASS invalid username-password pair') as Error & { command: { name: string; args: string[] } };
    original.command = { name: 'auth', args: ['alice', 'canary-pw-2'] };
    const safe = scrubError(original, ['canary-pw-2']);
    expect(safe).toBe(original);
    expect(safe).toBeInstanceOf(ReplyError);
    expect(safe.command).toEqual({ name: 'auth', args: ['alice', '***'] });
    expect(JSON.stringify({ ...safe, message: safe.message, stack: safe.stack })).not.toContain('canary-pw-2');
  });
});

describe('error classes', () => {
  it('READONLY and UNBLOCKED-on-role-change are failovers; other replies are neither fatal nor failover', () => {
    expect(isFailoverRedisError(new ReplyError("READONLY You can't write against a read only replica."))).toBe(true);
    expect(isFailoverRedisError(new ReplyError('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'))).toBe(true);
    expect(isFailoverRedisError(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isFatalRedisError(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isFailoverRedisError(new Error('READONLY but not a reply'))).toBe(false);
  });

  it('socket loss and command timeouts are fatal', () => {
    expect(isFatalRedisError(new Error('Connection is closed.'))).toBe(true);
    expect(isFatalRedisError(new Error('Command timed out'))).toBe(true);
    expect(isFatalRedisError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isFatalRedisError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isFatalRedisError(new Error('something in user code'))).toBe(false);
    expect(isFatalRedisError('not an error')).toBe(false);
  });

  it('an error reply to the validation PING keeps the connection, except a lost authentication or a server still loading', () => {
    expect(judgePingError(new ReplyError('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'))).toBe('alive');
    expect(judgePingError(new ReplyError("NOPERM User worker has no permissions to run the 'ping' command"))).toBe('alive');
    expect(judgePingError(new ReplyError('MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.'))).toBe('alive');
    expect(judgePingError(new ReplyError('NOAUTH Authentication required.'))).toBe('replace');
    expect(judgePingError(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe('replace');
    expect(judgePingError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('unknown');
  });
});
