import type { PoolStats } from '@pool/core';
import type { PoolRun } from './pool-run.js';

/** One pool at one instant. */
export interface PoolSample {
  /** Completed requests per second since the previous sample. */
  throughput: number;
  errorsPerSecond: number;
  size: number;
  idle: number;
  borrowed: number;
  pending: number;
  unavailable: boolean;
}

/** All pools at one instant; `t` is ms since the workload started. */
export interface Sample {
  t: number;
  pools: Record<string, PoolSample>;
}

/** Samples every pool's stats and throughput on a fixed tick, for the live view and the chart. */
export class Recorder {
  readonly samples: Sample[] = [];
  private readonly previous = new Map<string, { ok: number; errors: number; at: number }>();
  readonly maxSize = new Map<string, number>();

  constructor(private readonly runs: readonly PoolRun[], private readonly startedAt: number) {
    for (const run of runs) this.previous.set(run.target.id, { ok: 0, errors: 0, at: startedAt });
  }

  /** Takes one sample now. */
  sample(): Sample {
    const now = performance.now();
    const pools: Record<string, PoolSample> = {};
    for (const run of this.runs) {
      const id = run.target.id;
      const before = this.previous.get(id)!;
      const seconds = Math.max(1e-3, (now - before.at) / 1000);
      const stats: PoolStats = run.target.stats();
      pools[id] = {
        throughput: (run.ok - before.ok) / seconds,
        errorsPerSecond: (run.errors - before.errors) / seconds,
        size: stats.size,
        idle: stats.idle,
        borrowed: stats.borrowed,
        pending: stats.pending,
        unavailable: stats.unavailable,
      };
      this.maxSize.set(id, Math.max(this.maxSize.get(id) ?? 0, pools[id].size));
      this.previous.set(id, { ok: run.ok, errors: run.errors, at: now });
    }
    const sample = { t: Math.round(now - this.startedAt), pools };
    this.samples.push(sample);
    return sample;
  }
}
