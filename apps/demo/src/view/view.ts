import type { FaultPhase } from '../run/fault.js';
import type { PoolRun } from '../run/pool-run.js';
import type { Sample } from '../run/recorder.js';

/** What the view shows at each tick. */
export interface ViewFrame {
  elapsedMs: number;
  durationMs: number;
  sample: Sample;
  runs: readonly PoolRun[];
  fault: { pool: string; phase: FaultPhase } | undefined;
  metricsUrl: string | undefined;
}

/** The live display: a terminal view refreshing in place, or plain lines. */
export interface View {
  frame(frame: ViewFrame): void;
  /** A one-off line (fault injected, recovered ...). */
  note(message: string): void;
  /** Leaves the terminal as it found it. */
  end(): void;
}
