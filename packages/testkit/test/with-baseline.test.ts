import { describe, expect, it } from 'vitest';
import { withBaseline } from '../src/index.js';

function fakes() {
  const steps: string[] = [];
  const pool = { close: async () => void steps.push('pool closed') };
  const baseline = { opened: 0, close: () => void steps.push('baseline closed') };
  setTimeout(() => (baseline.opened = 1), 50);
  return { steps, pool, baseline };
}

describe('withBaseline', () => {
  it('warms the pool, waits for the baseline to connect, runs fn, then closes both', async () => {
    const { steps, pool, baseline } = fakes();
    await withBaseline(pool, async () => void steps.push('warm'), baseline, async () => void steps.push(`fn (baseline opened ${baseline.opened})`));
    expect(steps).toEqual(['warm', 'fn (baseline opened 1)', 'baseline closed', 'pool closed']);
  });

  it('closes both when fn throws, and passes the error on', async () => {
    const { steps, pool, baseline } = fakes();
    await expect(withBaseline(pool, async () => {}, baseline, async () => {
      throw new Error('assertion failed');
    })).rejects.toThrow('assertion failed');
    expect(steps).toEqual(['baseline closed', 'pool closed']);
  });
});
