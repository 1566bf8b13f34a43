import { describe, expect, it } from 'vitest';
import { assertKnownKeys, describeValue, isPoolError, numberOption } from '../src/index.js';

describe('option checks for provider authors', () => {
  it('assertKnownKeys refuses unknown keys and __proto__, naming the key and the call', () => {
    const allowed = new Set(['host', 'port']);
    expect(() => assertKnownKeys({ host: 'a', port: 1 }, allowed)).not.toThrow();
    try {
      assertKnownKeys(JSON.parse('{"host":"a","__proto__":{"admin":true}}'), allowed, 'myProvider');
      expect.unreachable();
    } catch (error) {
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
      expect(error).toMatchObject({ option: '__proto__', message: 'Unknown option `__proto__` for myProvider' });
    }
    expect(() => assertKnownKeys({ path: '/' }, new Set(['method']), undefined, 'healthCheck.')).toThrow(expect.objectContaining({ option: 'healthCheck.path' }));
  });

  it('numberOption returns the fallback, accepts valid values and explains invalid ones', () => {
    expect(numberOption(undefined, 'timeoutMs', 5_000, { minimum: 1 })).toBe(5_000);
    expect(numberOption(250, 'timeoutMs', 5_000, { minimum: 1 })).toBe(250);
    expect(numberOption(Infinity, 'timeoutMs', 5_000, { minimum: 1, allowInfinity: true })).toBe(Infinity);
    for (const [value, rule, message] of [
      [0, { minimum: 1 }, 'Expected `n` to be a number >= 1, got 0 (number)'],
      [Infinity, { minimum: 1 }, 'Expected `n` to be a number >= 1, got Infinity (number)'],
      [Number.NaN, { minimum: 0, allowInfinity: true }, 'Expected `n` to be a number >= 0 (or Infinity), got NaN (number)'],
      [1.5, { minimum: 1, integer: true }, 'Expected `n` to be an integer >= 1, got 1.5 (number)'],
      [3, { minimum: 0, maximum: 2 }, 'Expected `n` to be a number >= 0 and <= 2, got 3 (number)'],
      ['10', { minimum: 0 }, 'Expected `n` to be a number >= 0, got "10" (string)'],
    ] as const) {
      expect(() => numberOption(value, 'n', 1, rule)).toThrow(message);
    }
  });

  it('describeValue shows the value and its type', () => {
    expect([describeValue(0), describeValue('x'), describeValue(null), describeValue({}), describeValue(true)]).toEqual(['0 (number)', '"x" (string)', 'null', 'object', 'true (boolean)']);
  });
});
