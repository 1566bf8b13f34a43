import { isPoolError } from '@pool/core';
import { expect } from 'vitest';

/**
 * Calls `fn`, expects it to throw POOL_INVALID_OPTION (`label` names the case when it does not) and
 * returns that error, for the caller to check which option it names and what it says.
 */
export function optionError(fn: () => unknown, label?: string): { option: string; message: string; stack: string } {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isPoolError(caught, 'POOL_INVALID_OPTION'), label).toBe(true);
  return caught as { option: string; message: string; stack: string };
}
