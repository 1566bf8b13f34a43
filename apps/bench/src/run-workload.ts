import { collectGarbage } from './gc.js';
import type { PoolContender } from './pools/types.js';
import { maximum, median, percentile } from './stats.js';
import type { Metric, RunSample, Workload, WorkloadSize } from './workloads/types.js';

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
}

/**
 * One timed sample: a full GC, two untimed warm-up runs, each on a throwaway pool, then the timed
 * run on a fresh pool. The GC frees the rounds before (so no pool pays for another's garbage), but
 * V8 frees with them the hidden classes of their objects, which deoptimizes every function compiled
 * against those. The first warm-up compiles them again and its `close()` turns the fields that only
 * closing writes from constant to mutable, which deoptimizes them once more (`--trace-deopt`,
 * `--trace-generalization`); the second compiles them for good. Without this, W2's first 200,000
 * operations after each GC ran 2-5x slower for @pool/core, whose code is the most to recompile, and
 * the ratio measured V8 recompiling more than the pool. W4's heap is measured on the first warm-up
 * run: a fresh pool right after the GC, as before.
 */
async function sampleOnce(workload: Workload, contender: PoolContender, size: WorkloadSize): Promise<RunSample> {
  collectGarbage();
  const first = await runOnce(workload, contender, size, true);
  await runOnce(workload, contender, size, false);
  const timed = await runOnce(workload, contender, size, false);
  return first.heapDeltaBytes === undefined ? timed : { ...timed, heapDeltaBytes: first.heapDeltaBytes };
}

async function runOnce(workload: Workload, contender: PoolContender, size: WorkloadSize, measureHeap: boolean): Promise<RunSample> {
  const pool = contender.create(size.max);
  try {
    return await workload.run(pool, size, { measureHeap });
  } finally {
    await pool.close();
  }
}

/** Reduces one pool's samples to the row of medians. */
function summarize(contender: PoolContender, samples: RunSample[], operations: number, error: string | undefined): WorkloadRow {
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
  const withWaits = samples.filter((s) => s.waits !== undefined);
  if (withWaits.length > 0) {
    row.p50WaitMs = median(withWaits.map((s) => percentile(s.waits as Float64Array, 0.5)));
    row.p99WaitMs = median(withWaits.map((s) => percentile(s.waits as Float64Array, 0.99)));
    row.maxWaitMs = median(withWaits.map((s) => maximum(s.waits as Float64Array)));
  }
  row.totalMs = median(samples.map((s) => s.seconds * 1000));
  const heaps = samples.filter((s) => s.heapDeltaBytes !== undefined);
  if (heaps.length > 0) row.heapDeltaBytes = median(heaps.map((s) => s.heapDeltaBytes as number));
  return row;
}

/**
 * Runs one workload for every pool: `rounds` rounds with the pools interleaved (A B C A B C ...),
 * each sample a full GC, two whole untimed warm-up runs and the timed run on a fresh pool (see
 * `sampleOnce`; a twentieth of W4 as warm-up left @pool/core's larger code half-compiled).
 */
export async function runWorkload(workload: Workload, contenders: readonly PoolContender[], options: WorkloadRunOptions): Promise<WorkloadResult> {
  const size = options.quick ? workload.quick : workload.full;
  const samples = contenders.map(() => [] as RunSample[]);
  const errors: (string | undefined)[] = contenders.map(() => undefined);
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, contender] of contenders.entries()) {
      if (errors[index] !== undefined) continue;
      try {
        const sample = await sampleOnce(workload, contender, size);
        samples[index]?.push(sample);
        options.log?.(`  ${workload.id} round ${round + 1}/${options.rounds} ${contender.name.padEnd(18)} ${Math.round(sample.operations / sample.seconds).toLocaleString('en-US').padStart(12)} ops/s  ${(sample.seconds * 1000).toFixed(1)} ms`);
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
