import { describe, expect, it } from 'vitest';
import { sampleIsolated } from '../src/isolated-sample.js';
import { contenders } from '../src/pools/index.js';
import type { PoolContender } from '../src/pools/types.js';
import { workloads } from '../src/workloads/index.js';

// the child is dist/sample-child.js: `pnpm test` builds before it runs the tests
const w3 = workloads.find((w) => w.id === 'W3');
const core = contenders.find((c) => c.name === '@pool/core');

describe('sampleIsolated', () => {
  it('takes a sample in a fresh process and brings back its counts and waits', async () => {
    if (w3 === undefined || core === undefined) throw new Error('W3 or @pool/core missing');
    const sample = await sampleIsolated(w3, core, w3.quick, true);
    expect(sample.operations).toBe(w3.quick.operations);
    expect(sample.completed).toBe(w3.quick.operations);
    expect(sample.seconds).toBeGreaterThan(0);
    expect(sample.p50WaitMs).toBeGreaterThanOrEqual(0);
    expect(sample.p99WaitMs).toBeGreaterThanOrEqual(sample.p50WaitMs as number);
    expect(sample.maxWaitMs).toBeGreaterThanOrEqual(sample.p99WaitMs as number);
  }, 60_000);

  it('fails with the child\'s own message for a pool the child does not know', async () => {
    if (w3 === undefined) throw new Error('W3 missing');
    const unknown: PoolContender = { name: 'not-a-pool', reference: false, note: '', create: () => { throw new Error('never created here'); } };
    await expect(sampleIsolated(w3, unknown, w3.quick, true)).rejects.toThrow(/usage: sample-child\.js .*not-a-pool/);
  }, 60_000);
});
