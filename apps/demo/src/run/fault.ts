import type { FaultProxy } from '@pool/testkit/fault-proxy';
import type { PoolRun } from './pool-run.js';

/** What happened to the pool behind the fault proxy, in ms since the workload started. */
export interface FaultReport {
  pool: string;
  description: string;
  /** When the upstream dropped every connection and started refusing new ones. */
  injectedAt: number | undefined;
  /** When it accepted connections again. */
  healedAt: number | undefined;
  /** The first request to complete after healing. */
  recoveredAt: number | undefined;
  /** recoveredAt - healedAt. */
  recoveredInMs: number | undefined;
  /** Requests that failed between injection and recovery (plus a 500 ms grace after it). */
  errorsDuringFault: number;
  /** Requests that failed outside that window (expected: 0). */
  errorsOutsideFault: number;
  recovered: boolean;
}

export type FaultPhase = 'waiting' | 'down' | 'recovering' | 'recovered';

/** Errors this soon after the first post-fault success still count as the fault's (calls already failing). */
const RECOVERY_GRACE_MS = 500;

/**
 * The one fault of the run: at `atMs` the upstream behind the fault proxy drops all connections
 * (`closeAll`) and refuses new ones (`refuse(true)`) for `forMs`, then heals. Recovery is the first
 * request that completes after healing: every connection died with the fault, so it proves the
 * pool created a fresh one and served a caller with it.
 */
export class FaultInjector {
  phase: FaultPhase = 'waiting';
  private injectedAt: number | undefined;
  private healedAt: number | undefined;
  private recoveredAt: number | undefined;
  private errorsDuring = 0;
  private errorsOutside = 0;
  private timers: NodeJS.Timeout[] = [];
  private healing: Promise<void> | undefined;
  /** Reports a step to the view ("fault injected", "healed", "recovered in N ms"). */
  onEvent: ((message: string) => void) | undefined;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly run: PoolRun,
    private readonly startedAt: number,
    private readonly atMs: number,
    private readonly forMs: number,
  ) {
    run.onSuccess = (at) => {
      if (this.phase === 'recovering' && this.healedAt !== undefined && at - this.startedAt >= this.healedAt) {
        this.recoveredAt = Math.round(at - this.startedAt);
        this.phase = 'recovered';
        this.onEvent?.(`${this.run.target.id}: recovered in ${this.recoveredAt - this.healedAt} ms after the upstream came back`);
      }
    };
    run.onError = (at) => {
      // a call that failed just as the first one succeeded is still the fault's: allow a short grace
      const sinceRecovery = this.recoveredAt === undefined ? Infinity : at - this.startedAt - this.recoveredAt;
      if (this.phase === 'down' || this.phase === 'recovering' || sinceRecovery <= RECOVERY_GRACE_MS) this.errorsDuring++;
      else this.errorsOutside++;
    };
  }

  /** Arms the timers; the workload clock started at `startedAt`. */
  arm(): void {
    const delay = Math.max(0, this.atMs - (performance.now() - this.startedAt));
    this.timers.push(setTimeout(() => void this.inject(), delay));
  }

  private async inject(): Promise<void> {
    this.injectedAt = Math.round(performance.now() - this.startedAt);
    this.phase = 'down';
    this.proxy.closeAll();
    await this.proxy.refuse(true);
    this.onEvent?.(`${this.run.target.id}: fault injected, upstream dropped all connections and refuses new ones for ${this.forMs} ms`);
    this.timers.push(setTimeout(() => {
      this.healing = this.heal();
    }, this.forMs));
  }

  private async heal(): Promise<void> {
    await this.proxy.heal();
    this.healedAt = Math.round(performance.now() - this.startedAt);
    this.phase = 'recovering';
    this.onEvent?.(`${this.run.target.id}: upstream back, waiting for the pool to serve again`);
  }

  /** Stops the timers and heals the proxy if the run ends mid-fault. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.healing;
    if (this.phase === 'down') await this.proxy.heal();
  }

  report(): FaultReport {
    return {
      pool: this.run.target.id,
      description: `upstream drops all connections and refuses new ones for ${this.forMs} ms`,
      injectedAt: this.injectedAt,
      healedAt: this.healedAt,
      recoveredAt: this.recoveredAt,
      recoveredInMs: this.recoveredAt !== undefined && this.healedAt !== undefined ? this.recoveredAt - this.healedAt : undefined,
      errorsDuringFault: this.errorsDuring,
      errorsOutsideFault: this.errorsOutside,
      recovered: this.phase === 'recovered',
    };
  }
}
