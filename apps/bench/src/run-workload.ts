import type { PoolContender } from './pools/types.js';
import { sampleInProcess, type Sample, type Sampler } from './sample.js';
import { median } from './stats.js';
import type { Metric, Workload, WorkloadSize } from './workloads/types.js';

/** One pool's result on one workload: medians over the rounds. */
export interface WorkloadRow {
  pool: string;
  reference: boolean;
  /** Median ops/s over rounds (NaN when the pool failed). */
  opsPerSec: number;
  /** opsPerSec / the hand-written pool's opsPerSec. */
  ratio: number;
  p50WaitMs?: number;
  p99WaitMs?: number;
  maxWaitMs?: number;
  totalMs?: number;
  heapDeltaBytes?: number;
  /** Operations finished in every round (must equal `operations` times rounds). */
  completed: number;
  operations: number;
  roundsOpsPerSec: number[];
  /** Set when a run threw; the row then has no numbers. */
  error?: string;
}

/** A workload's table. */
export interface WorkloadResult {
  id: string;
  title: string;
  description: string;
  metrics: readonly Metric[];
  size: WorkloadSize;
  rounds: number;
  rows: WorkloadRow[];
}

/** How to run the workloads. */
export interface WorkloadRunOptions {
  rounds: number;
  quick: boolean;
  log?: (line: string) => void;
  /** How each sample is taken: in this process (the default) or in a fresh one (`sampleIsolated`). */
  sample?: Sampler;
}

/** Reduces one pool's samples to the row of medians. */
function summarize(contender: PoolContender, samples: Sample[], operations: number, error: string | undefined): WorkloadRow {
  const opsPerSec = error === undefined ? median(samples.map((s) => s.operations / s.seconds)) : Number.NaN;
  const row: WorkloadRow = {
    pool: contender.name,
    reference: contender.reference,
    opsPerSec,
    ratio: Number.NaN,
    completed: samples.reduce((sum, s) => sum + s.completed, 0),
    operations: operations * samples.length,
    roundsOpsPerSec: samples.map((s) => s.operations / s.seconds),
  };
  if (error !== undefined) {
    row.error = error;
    return row;
  }
  const withWaits = samples.filter((s) => s.p50WaitMs !== undefined);
  if (withWaits.length > 0) {
    row.p50WaitMs = median(withWaits.map((s) => s.p50WaitMs as number));
    row.p99WaitMs = median(withWaits.map((s) => s.p99WaitMs as number));
    row.maxWaitMs = median(withWaits.map((s) => s.maxWaitMs as number));
  }
  row.totalMs = median(samples.map((s) => s.seconds * 1000));
  const heaps = samples.filter((s) => s.heapDeltaBytes !== undefined);
  if (heaps.length > 0) row.heapDeltaBytes = median(heaps.map((s) => s.heapDeltaBytes as number));
  return row;
}

/**
 * Runs one workload for every pool: `rounds` rounds with the pools interleaved (A B C A B C ...),
 * each sample two whole untimed warm-up runs and the timed run on a fresh pool (sample.ts; a
 * twentieth of W4 as warm-up left @pool/core's larger code half-compiled).
 */
export async function runWorkload(workload: Workload, contenders: readonly PoolContender[], options: WorkloadRunOptions): Promise<WorkloadResult> {
  const size = options.quick ? workload.quick : workload.full;
  const sample = options.sample ?? sampleInProcess;
  const samples = contenders.map(() => [] as Sample[]);
  const errors: (string | undefined)[] = contenders.map(() => undefined);
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, contender] of contenders.entries()) {
      if (errors[index] !== undefined) continue;
      try {
        const taken = await sample(workload, contender, size, options.quick);
        samples[index]?.push(taken);
        options.log?.(`  ${workload.id} round ${round + 1}/${options.rounds} ${contender.name.padEnd(18)} ${Math.round(taken.operations / taken.seconds).toLocaleString('en-US').padStart(12)} ops/s  ${(taken.seconds * 1000).toFixed(1)} ms`);
      } catch (error) {
        errors[index] = error instanceof Error ? error.message : String(error);
        options.log?.(`  ${workload.id} ${contender.name} failed: ${errors[index]}`);
      }
    }
  }
  const rows = contenders.map((contender, index) => summarize(contender, samples[index] ?? [], size.operations, errors[index]));
  const baseline = rows.find((row) => row.pool === contenders.find((c) => c.reference)?.name)?.opsPerSec ?? Number.NaN;
  for (const row of rows) row.ratio = row.opsPerSec / baseline;
  return { id: workload.id, title: workload.title, description: workload.describe(size), metrics: workload.metrics, size, rounds: options.rounds, rows };
}
