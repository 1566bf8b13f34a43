import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../src/soak.js';

describe('soak (reliability row 29), a few seconds of it', () => {
  it('runs mixed traffic, samples heap and handles with the traffic paused, and keeps the accounting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-soak-'));
    try {
      const { result, files } = await runSoak({ minutes: 0.05, sampleMs: 500, workers: 16, outDir: dir, log: () => {} });
      expect(result.samples.length).toBeGreaterThanOrEqual(4);
      expect(result.operations).toBeGreaterThan(1_000);
      expect(result.outcomes.released).toBeGreaterThan(0);
      expect(result.outcomes.destroyed).toBeGreaterThan(0);
      expect(result.outcomes.timeout ?? 0).toBeGreaterThan(0);
      expect(result.unexpectedErrors).toEqual([]);
      expect(result.accountingHeld).toBe(true);
      for (const sample of result.samples) {
        expect(sample.stats.borrowed).toBe(0);
        expect(sample.stats.pending).toBe(0);
        expect(sample.stats.size).toBeLessThanOrEqual(10);
      }
      const markdown = await readFile(files.markdown, 'utf8');
      expect(markdown).toContain('| s | operations | heap MB (after GC) | active handles |');
      expect(JSON.parse(await readFile(files.json, 'utf8'))).toMatchObject({ workers: 16, accountingHeld: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
