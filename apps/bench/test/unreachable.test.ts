import { describe, expect, it } from 'vitest';
import { unreachable } from '../src/compare/unreachable.js';

describe('a skipped comparison names its server without the password', () => {
  it('redacts the URL and scrubs the password from the driver message', () => {
    const url = 'mysql://app:s3cr%40t@db.example:3306/test';
    const text = unreachable('mysql', url, new Error('connect failed for app:s3cr@t and s3cr%40t'), 'start it first');
    expect(text).toBe('mysql at mysql://app:***@db.example:3306/test is unreachable (connect failed for app:*** and ***); start it first');
  });

  it('keeps a URL without a password as it is, and takes a thrown non-Error', () => {
    expect(unreachable('redis', 'redis://127.0.0.1:6379', 'ECONNREFUSED')).toBe('redis at redis://127.0.0.1:6379 is unreachable (ECONNREFUSED)');
  });
});
