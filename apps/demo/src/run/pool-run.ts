import { isPoolError } from '@pool/core';
import type { DemoTarget, Operation } from '../targets/target.js';

/** Latencies kept per pool for percentiles (a bounded reservoir: the most recent ones). */
const LATENCY_SAMPLES = 20_000;

/** Counters of one pool's workload, read by the view, the recorder and the summary. */
export class PoolRun {
  ok = 0;
  errors = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly opsByName = new Map<string, number>();
  lastError: string | undefined;
  /** performance.now() of the last success and of the last error. */
  lastOkAt = 0;
  lastErrorAt = 0;
  private readonly latencies: number[] = [];
  private latencyIndex = 0;
  private readonly schedule: Operation[];
  private next = 0;
  /** Called after every success with its completion time (the fault watcher listens). */
  onSuccess: ((at: number) => void) | undefined;
  /** Called after every error with its time. */
  onError: ((at: number) => void) | undefined;

  constructor(readonly target: DemoTarget) {
    // weights become a fixed rotation (deterministic mix, no randomness in the results)
    this.schedule = target.operations.flatMap((op) => new Array<Operation>(op.weight).fill(op));
    if (this.schedule.length === 0) throw new Error(`${target.id}: no operations`);
  }

  /** Runs `callers` closed loops until `stop` aborts; resolves when every loop has finished. */
  async drive(stop: AbortSignal, errorPauseMs: number): Promise<void> {
    const loop = async () => {
      while (!stop.aborted) {
        const op = this.schedule[this.next++ % this.schedule.length]!;
        const started = performance.now();
        try {
          await op.run();
          const done = performance.now();
          this.ok++;
          this.lastOkAt = done;
          this.opsByName.set(op.name, (this.opsByName.get(op.name) ?? 0) + 1);
          this.recordLatency(done - started);
          this.onSuccess?.(done);
        } catch (error) {
          const at = performance.now();
          this.errors++;
          this.lastErrorAt = at;
          const code = errorCode(error);
          this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
          this.lastError = `${code}: ${error instanceof Error ? error.message : String(error)}`;
          this.onError?.(at);
          // a failing backend answers at once; pause so callers do not spin
          await new Promise((resolve) => setTimeout(resolve, errorPauseMs));
        }
      }
    };
    await Promise.all(Array.from({ length: this.target.callers }, loop));
  }

  /** Latency percentile in ms over the kept samples (0 when none). */
  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }

  private recordLatency(ms: number): void {
    if (this.latencies.length < LATENCY_SAMPLES) this.latencies.push(ms);
    else this.latencies[this.latencyIndex++ % LATENCY_SAMPLES] = ms;
  }
}

/** A short, stable label for an error: the pool error code, the errno code, or the class name. */
export function errorCode(error: unknown): string {
  if (isPoolError(error)) return error.code;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    if (error instanceof Error) return error.name;
  }
  return 'Error';
}
