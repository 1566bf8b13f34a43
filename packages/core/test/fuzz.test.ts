import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from './fuzz/fuzz-model.js';
import { fuzzSeed, type SeedResult } from './fuzz/run-fuzz.js';

// Row 15 of reliability.md: random sequences of acquire / use / release / destroy / abort / withdraw / timeout /
// resize / close / pause / evictAll against a provider that randomly fails, hangs and answers late,
// on a virtual clock. Invariants are checked after every step, and at the end of every run.
//   POOL_FUZZ_OPS    total operations across all seeds (default 1,000,000)
//   POOL_FUZZ_SEEDS  number of seeds (default 20)
//   POOL_FUZZ_SEED   first seed (default 20261121; the seeds are consecutive)
//   POOL_FUZZ_CORE   path to another copy of @pool/core's src/index.ts to fuzz instead (a deliberately broken one)

const totalOps = Number(process.env.POOL_FUZZ_OPS ?? 1_000_000);
const seeds = Number(process.env.POOL_FUZZ_SEEDS ?? 20);
const firstSeed = Number(process.env.POOL_FUZZ_SEED ?? 20_261_121);
const perSeed = Math.ceil(totalOps / seeds);
const corePath = process.env.POOL_FUZZ_CORE;

const core: Core = corePath ? ((await import(/* @vite-ignore */ corePath)) as Core) : await import('../src/index.js');

describe(`row 15: random op fuzz, ${totalOps.toLocaleString('en')} operations over ${seeds} seeds${corePath ? ` (core from ${corePath})` : ''}`, () => {
  const results: SeedResult[] = [];

  afterAll(() => {
    const ops = results.reduce((sum, r) => sum + r.operations, 0);
    const runs = results.reduce((sum, r) => sum + r.runs, 0);
    const ms = results.reduce((sum, r) => sum + r.wallMs, 0);
    const outcomes: Record<string, number> = {};
    for (const r of results) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    if (process.env.POOL_FUZZ_VERBOSE) console.log(Object.entries(outcomes).sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
    console.log(`row 15 fuzz: ${ops.toLocaleString('en')} operations in ${runs.toLocaleString('en')} runs over ${results.length} seeds, ${(ms / 1000).toFixed(1)} s (${Math.round(ops / (ms / 1000)).toLocaleString('en')} ops/s)`);
  });

  for (let i = 0; i < seeds; i++) {
    const seed = firstSeed + i;
    it(`row 15: seed ${seed}: ${perSeed.toLocaleString('en')} operations, invariants hold after every step, nothing leaked`, async () => {
      const result = await fuzzSeed(core, seed, perSeed);
      results.push(result);
      expect(result.operations).toBeGreaterThanOrEqual(perSeed);
    }, 600_000);
  }

  it(`row 15: the seeds together ran at least ${totalOps.toLocaleString('en')} operations`, () => {
    expect(results).toHaveLength(seeds);
    expect(results.reduce((sum, r) => sum + r.operations, 0)).toBeGreaterThanOrEqual(totalOps);
  });
});
