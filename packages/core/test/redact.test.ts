import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactUrl, scrubError, scrubText, secretsOfUrl } from '../adapter-kit/index.js';
import { assertKnownKeys, closestKey, isPoolError } from '../src/index.js';

describe('redactUrl', () => {
  it('replaces the password of a parseable URL and password-like query parameters', () => {
    expect(redactUrl('postgres://alice:s3cret@db:5432/app?sslpassword=k3y&x=1')).toBe('postgres://alice:***@db:5432/app?sslpassword=***&x=1');
  });

  it('scrubs a URL that does not parse (port 99999), keeping user and host', () => {
    const out = redactUrl('mysql://root:hunter2@127.0.0.1:99999/test');
    expect(out).not.toContain('hunter2');
    expect(out).toContain('root:***@');
  });

  it('leaves a URL without credentials as it was', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('secretsOfUrl', () => {
  it('finds the password raw and decoded, in parseable and malformed URLs', () => {
    expect(secretsOfUrl('postgres://u:p%40ss@h/db')).toEqual(['p%40ss', 'p@ss']);
    expect(secretsOfUrl('mysql://root:hunter2@127.0.0.1:99999/test')).toEqual(['hunter2']);
    expect(secretsOfUrl('redis://127.0.0.1:6379')).toEqual([]);
  });
});

describe('scrubError', () => {
  it('removes secrets from message, stack, own strings, string arrays, attached objects and the cause chain', () => {
    const cause = Object.assign(new TypeError('Invalid URL'), { input: 'mysql://root:hunter2@127.0.0.1:99999/test', code: 'ERR_INVALID_URL' });
    const error = Object.assign(new Error('connect failed for hunter2', { cause }), {
      command: { name: 'auth', args: ['default', 'hunter2'] },
      previous: ['x hunter2'],
    });
    scrubError(error, ['hunter2']);
    const shown = inspect(error, { depth: 10, showHidden: true });
    expect(shown).not.toContain('hunter2');
    expect(cause.code).toBe('ERR_INVALID_URL');
    expect(error.command.args).toEqual(['default', '***']);
  });

  it('scrubs a URL password even when the secret was not named', () => {
    expect(scrubText('cannot reach postgres://u:topsecret@h/db', [])).toBe('cannot reach postgres://u:***@h/db');
  });
});

describe('assertKnownKeys', () => {
  it('refuses an unknown key with POOL_INVALID_OPTION and suggests the near miss', () => {
    try {
      assertKnownKeys({ connectionTimeoutMilis: 5 }, new Set(['connectionTimeoutMillis', 'max']), 'createPgPool');
      expect.unreachable();
    } catch (error) {
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
      expect((error as Error).message).toContain('did you mean `connectionTimeoutMillis`?');
    }
  });

  it('does not suggest a key that is not close', () => {
    expect(closestKey('banana', ['connectionTimeoutMillis', 'max'])).toBeUndefined();
    expect(closestKey('MAX', ['connectionTimeoutMillis', 'max'])).toBe('max');
  });
});
