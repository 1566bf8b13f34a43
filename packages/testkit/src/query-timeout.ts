import { PoolTimeoutError } from '@pool/core';
import { expect } from 'vitest';

/**
 * Makes `call` and expects it to fail by its deadline: a POOL_TIMEOUT of phase `query`, after at
 * least `atLeastMs` (the deadline, less timer slack) and in under `underMs` (well before the reply
 * would have come). Returns the ms it took.
 */
export async function expectQueryTimeout(call: () => Promise<unknown>, atLeastMs: number, underMs: number): Promise<number> {
  const started = performance.now();
  const error = await call().catch((caught: unknown) => caught);
  const ms = performance.now() - started;
  expect(error).toBeInstanceOf(PoolTimeoutError);
  expect((error as PoolTimeoutError).phase).toBe('query');
  expect(ms).toBeGreaterThanOrEqual(atLeastMs);
  expect(ms).toBeLessThan(underMs);
  return ms;
}
