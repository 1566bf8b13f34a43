import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../src/cli.js';

describe('parseOptions', () => {
  it('defaults to everything, 3 rounds', () => {
    expect(parseOptions([])).toEqual({ only: [], pools: [], rounds: 3, quick: false, soakMinutes: undefined, outDir: undefined, faults: false, inProcess: false, help: false });
  });

  it('reads every flag (and ignores the `--` pnpm passes through)', () => {
    expect(parseOptions(['--', '--only', 'W1,W3', '--rounds', '5', '--quick', '--pools', 'core', '--out', '/tmp/x'])).toMatchObject({
      only: ['W1', 'W3'],
      rounds: 5,
      quick: true,
      pools: ['core'],
      outDir: '/tmp/x',
    });
    expect(parseOptions(['--soak', '2.5']).soakMinutes).toBe(2.5);
    expect(parseOptions(['--help']).help).toBe(true);
    expect(parseOptions(['--faults', '--only', 'pg,redis']).faults).toBe(true);
    expect(parseOptions(['--in-process']).inProcess).toBe(true);
  });

  it.each([
    [['--bogus']],
    [['--rounds', '0']],
    [['--rounds', 'x']],
    [['--rounds', '1.5']],
    [['--soak', '-1']],
    [['--soak', 'abc']],
    [['--only', ',']],
    [['extra']],
    [['--rounds']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
  });
});
