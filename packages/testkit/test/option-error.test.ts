import { PoolError, PoolOptionError } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { optionError } from '../src/index.js';

describe('optionError', () => {
  it('returns the POOL_INVALID_OPTION that fn threw', () => {
    const thrown = new PoolOptionError('port', 'port must be a number');
    const error = optionError(() => {
      throw thrown;
    });
    expect(error).toBe(thrown);
    expect(error.option).toBe('port');
  });

  it('fails, naming the case, when fn throws something else or nothing', () => {
    expect(() => optionError(() => {
      throw new PoolError('POOL_CLOSED', 'closed');
    }, 'a closed pool')).toThrow('a closed pool');
    expect(() => optionError(() => 1, 'no throw')).toThrow('no throw');
  });
});
