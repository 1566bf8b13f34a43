import type { BenchPool } from '../pools/types.js';

/** Which extra columns a workload reports (the issue asks for waits only on W3 and W4). */
export type Metric = 'p50Wait' | 'p99Wait' | 'maxWait' | 'totalTime' | 'heapDelta';

/** One run of a workload against one pool. */
export interface RunSample {
  seconds: number;
  /** Operations the workload asked for. */
  operations: number;
  /** Operations that finished (acquired and released). */
  completed: number;
  /** Acquire waits in ms, one per operation (W3, W4). */
  waits?: Float64Array;
  /** heapUsed after GC minus before, with the pool still alive (W4, on a run asked to measure it). */
  heapDeltaBytes?: number;
}

/** What a run is for. */
export interface RunOptions {
  /**
   * Measure the heap the pool keeps (W4): a full GC before and after the burst. Only the untimed
   * warm-up run does: a full GC right before a timed run frees the JIT's maps and deoptimizes it.
   */
  measureHeap: boolean;
}

/** The sizes a workload runs at (full, or `--quick` for a smoke test). */
export interface WorkloadSize {
  max: number;
  operations: number;
  /** Concurrent callers (W3 workers, W4 callers). */
  callers: number;
}

/** A pool workload (W1–W4): run against each pool in turn, in rounds. */
export interface Workload {
  id: string;
  title: string;
  /** What one operation is, for the table heading. */
  describe(size: WorkloadSize): string;
  full: WorkloadSize;
  quick: WorkloadSize;
  metrics: readonly Metric[];
  run(pool: BenchPool, size: WorkloadSize, options?: RunOptions): Promise<RunSample>;
}
