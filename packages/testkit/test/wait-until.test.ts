import { describe, expect, it } from 'vitest';
import { waitUntil } from '../src/index.js';

describe('waitUntil', () => {
  it('awaits an async predicate: a pending promise is not taken as true', async () => {
    let calls = 0;
    await waitUntil(async () => ++calls >= 3, 'three polls', 2_000, 1);
    expect(calls).toBe(3);
  });

  it('throws naming what it waited for once the time is up', async () => {
    await expect(waitUntil(async () => false, 'a condition that never holds', 30, 1)).rejects.toThrow('timed out after 30 ms waiting for a condition that never holds');
  });
});
