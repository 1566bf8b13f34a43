import { describe, expect, it } from 'vitest';
import { isPoolError, PoolError, PoolTimeoutError } from '../src/index.js';

describe('errors', () => {
  it('carry a stable code, the pool name and the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new PoolError('POOL_CREATE_FAILED', 'create failed', { cause, pool: 'db' });
    expect(error.code).toBe('POOL_CREATE_FAILED');
    expect(error.message).toBe('[db] create failed');
    expect(error.detail).toBe('create failed');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    const timeout = new PoolTimeoutError('validate', 50, 'validate timed out after 50 ms');
    expect(timeout).toMatchObject({ code: 'POOL_TIMEOUT', phase: 'validate', elapsedMs: 50 });
    expect(isPoolError(timeout, 'POOL_TIMEOUT')).toBe(true);
    expect(isPoolError(timeout, 'POOL_CLOSED')).toBe(false);
  });

  it('isPoolError recognises errors from another installed copy of @pool/core (Symbol.for brand)', async () => {
    // a second module instance stands in for a second copy of the package in node_modules
    const secondCopy: string = '../src/errors.js?second-copy';
    const copy = (await import(secondCopy)) as typeof import('../src/errors.js');
    expect(copy.PoolError).not.toBe(PoolError);
    const foreign = new copy.PoolError('POOL_CLOSED', 'closed');
    expect(foreign instanceof PoolError).toBe(false);
    expect(isPoolError(foreign)).toBe(true);
    expect(isPoolError(foreign, 'POOL_CLOSED')).toBe(true);
  });

  it('isPoolError is false for look-alikes', () => {
    expect(isPoolError(new Error('x'))).toBe(false);
    expect(isPoolError({ code: 'POOL_TIMEOUT' })).toBe(false);
    expect(isPoolError(null)).toBe(false);
    expect(isPoolError('POOL_TIMEOUT')).toBe(false);
  });
});
