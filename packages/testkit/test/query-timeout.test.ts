import { PoolTimeoutError } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { expectQueryTimeout } from '../src/index.js';

const after = (ms: number, outcome: () => unknown) => () => new Promise((resolve, reject) => setTimeout(() => {
  try {
    resolve(outcome());
  } catch (error) {
    reject(error);
  }
}, ms));

describe('expectQueryTimeout', () => {
  it('passes for a POOL_TIMEOUT of phase query within the bounds, and returns the ms', async () => {
    const ms = await expectQueryTimeout(after(40, () => {
      throw new PoolTimeoutError('query', 40, 'late');
    }), 35, 1_000);
    expect(ms).toBeGreaterThanOrEqual(35);
  });

  it('fails for another phase, a success, or outside the bounds', async () => {
    await expect(expectQueryTimeout(after(5, () => {
      throw new PoolTimeoutError('acquire', 5, 'no socket');
    }), 0, 1_000)).rejects.toThrow();
    await expect(expectQueryTimeout(after(5, () => 'reply'), 0, 1_000)).rejects.toThrow();
    await expect(expectQueryTimeout(after(5, () => {
      throw new PoolTimeoutError('query', 5, 'too soon');
    }), 100, 1_000)).rejects.toThrow();
    await expect(expectQueryTimeout(after(60, () => {
      throw new PoolTimeoutError('query', 60, 'too late');
    }), 0, 30)).rejects.toThrow();
  });
});
