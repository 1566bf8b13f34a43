import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runUntilExit } from '../src/index.js';

describe('runUntilExit', () => {
  it('resolves with the stdout lines, the exit code and how long the child lived on after printing closed', async () => {
    const run = await runUntilExit(`console.log('a'); console.log('closed 3'); setTimeout(() => process.exit(2), 300);`, { cwd: tmpdir() });
    expect(run.lines).toEqual(['a', 'closed 3']);
    expect(run.code).toBe(2);
    expect(run.exitAfterCloseMs).toBeGreaterThanOrEqual(250);
    expect(run.exitAfterCloseMs).toBeLessThan(5_000);
  });

  it('a child that never prints closed: Infinity; one that outlives killAfterMs is killed', async () => {
    const run = await runUntilExit(`console.log('waiting'); setInterval(() => {}, 1_000);`, { cwd: tmpdir(), killAfterMs: 500 });
    expect(run.lines).toEqual(['waiting']);
    expect(run.code).toBeNull();
    expect(run.exitAfterCloseMs).toBe(Infinity);
  });
});
