import type { AllocationRow } from '../allocations.js';
import type { ComparisonResult } from '../comparison.js';
import type { WorkloadResult } from '../run-workload.js';
import type { Environment } from './environment.js';
import type { TargetCheck } from './targets.js';

/** Everything one `pnpm bench` run produced: the content of latest.json. */
export interface BenchResults {
  environment: Environment;
  rounds: number;
  /** W1-W4 samples taken in the bench's own process (`--in-process`), not each in a fresh one. */
  inProcess: boolean;
  quick: boolean;
  /** Pools and what differs from their defaults. */
  notes: { pool: string; note: string }[];
  workloads: WorkloadResult[];
  /** Bytes allocated per operation in W2's loop (with W2), from V8's sampling heap profiler. */
  allocations?: AllocationRow[];
  comparisons: ComparisonResult[];
  /** The targets for @pool/core, checked against the medians. */
  targets: TargetCheck[];
}
