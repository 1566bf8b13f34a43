import { describe, expect, it } from 'vitest';
import { callsAfterRestart, callsAfterRestartSummary, expectNoFailureAfterRestart } from '../src/index.js';

describe('callsAfterRestart', () => {
  it('repeats call(1) until it succeeds, then makes call(1..4) at once', async () => {
    const made: number[] = [];
    let down = 2;
    const run = await callsAfterRestart(async (n) => {
      made.push(n);
      if (down-- > 0) throw Object.assign(new Error('still down'), { code: 'DOWN' });
      if (n === 3) throw new Error('later failure');
      return n;
    });
    expect(made).toEqual([1, 1, 1, 1, 2, 3, 4]);
    expect(run.first).toMatchObject({ failed: 2, codes: ['DOWN'] });
    expect(callsAfterRestartSummary(run)).toEqual({ ...run.first, laterFailed: 1 });
    // failures before the first success, or a later one: row 16 is not met
    expect(() => expectNoFailureAfterRestart(run)).toThrow();
  });

  it('expectNoFailureAfterRestart passes when nothing failed and the first call came within 1 s', async () => {
    const run = await callsAfterRestart(async (n) => n);
    expectNoFailureAfterRestart(run);
    expect(() => expectNoFailureAfterRestart({ ...run, first: { ...run.first, ms: 1000 } })).toThrow();
  });
});
