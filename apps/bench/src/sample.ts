import { collectGarbage } from './gc.js';
import type { PoolContender } from './pools/types.js';
import { maximum, percentile } from './stats.js';
import type { RunSample, Workload, WorkloadSize } from './workloads/types.js';

/** One timed run reduced to what the tables need (so a child process can send it back as JSON). */
export interface Sample {
  seconds: number;
  operations: number;
  completed: number;
  p50WaitMs?: number;
  p99WaitMs?: number;
  maxWaitMs?: number;
  heapDeltaBytes?: number;
}

/** Takes one {@link Sample} of `workload` on `contender`: in this process, or in a fresh one. */
export type Sampler = (workload: Workload, contender: PoolContender, size: WorkloadSize, quick: boolean) => Promise<Sample>;

/**
 * Timed runs per sample; the sample is the median one. W1 is bound by garbage collection, and one
 * run of it swung by a third from the next in the same process (0.27-0.45M ops/s for the hand-written pool).
 */
const TIMED_RUNS = 3;

/**
 * One timed sample in this process: a full GC, two untimed warm-up runs, each on a throwaway pool,
 * then {@link TIMED_RUNS} timed runs, each on a fresh pool. The GC frees the rounds before (so no
 * pool pays for another's garbage), but V8 frees with them the hidden classes of their objects,
 * which deoptimizes every function compiled against those. The first warm-up compiles them again and its `close()` turns the
 * fields that only closing writes from constant to mutable, which deoptimizes them once more
 * (`--trace-deopt`, `--trace-generalization`); the second compiles them for good. W4's heap is
 * measured on the first warm-up run: a fresh pool right after the GC.
 */
export const sampleInProcess: Sampler = async (workload, contender, size) => {
  collectGarbage();
  const first = await runOnce(workload, contender, size, true);
  await runOnce(workload, contender, size, false);
  const runs: RunSample[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) runs.push(await runOnce(workload, contender, size, false));
  const timed = reduce(runs.sort((a, b) => a.seconds - b.seconds)[TIMED_RUNS >> 1] as RunSample);
  if (first.heapDeltaBytes !== undefined) timed.heapDeltaBytes = first.heapDeltaBytes;
  return timed;
};

async function runOnce(workload: Workload, contender: PoolContender, size: WorkloadSize, measureHeap: boolean): Promise<RunSample> {
  const pool = contender.create(size.max);
  try {
    return await workload.run(pool, size, { measureHeap });
  } finally {
    await pool.close();
  }
}

function reduce(run: RunSample): Sample {
  const sample: Sample = { seconds: run.seconds, operations: run.operations, completed: run.completed };
  if (run.waits !== undefined) {
    sample.p50WaitMs = percentile(run.waits, 0.5);
    sample.p99WaitMs = percentile(run.waits, 0.99);
    sample.maxWaitMs = maximum(run.waits);
  }
  if (run.heapDeltaBytes !== undefined) sample.heapDeltaBytes = run.heapDeltaBytes;
  return sample;
}
