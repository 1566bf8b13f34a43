import type { CallSample, FaultTimes } from './types.js';

/** What one trial of one row comes to. Times in ms from `backAt`; `undefined` when it never happened. */
export interface TrialFigures {
  calls: number;
  failed: number;
  failedWithoutCode: number;
  /** Calls that took longer than `deadlineMs + 100` (settled or still pending at the end). */
  pastDeadline: number;
  /** Calls still pending when the trial ended (a hang). */
  unsettled: number;
  /** Calls in flight when the fault began (started before `faultAt`, not ended by it). */
  inFlightAtFault: number;
  slowestMs: number;
  /** The longest time a call waited from the fault on (end - max(start, faultAt)): the frozen-server bound is about this. */
  slowestSinceFaultMs: number;
  firstSuccessMs: number | undefined;
  fullThroughputMs: number | undefined;
  /** Successful calls per 100 ms before the fault. */
  preRate: number;
}

/** Settings of {@link trialFigures}. */
export interface MetricSettings {
  /** The window over which throughput is counted. @default 100 */
  windowMs?: number;
  /** Full throughput: a window with at least this share of the pre-fault rate. @default 0.8 */
  share?: number;
  /** The deadline calls are held to (past it + 100 ms counts). */
  deadlineMs: number;
  /** Pre-fault rate measured from here (skipping the pool's warm-up) to `faultAt`. */
  steadyFrom: number;
  /** When the trial ended: calls not settled by then count as unsettled (and slow). */
  endAt: number;
  /** Where the sliding window moves (ms). @default 5 */
  stepMs?: number;
}

/** Successful completions (ends) in [from, to), from sorted ends. */
function countIn(sortedEnds: readonly number[], from: number, to: number): number {
  return lowerBound(sortedEnds, to) - lowerBound(sortedEnds, from);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The figures of one trial. First success: the earliest successful call that ended after the outage
 * began (`outageAt`), relative to `backAt` (negative when a pool got through before the readiness probe saw the
 * server). Full throughput: the start of the first 100 ms window, sliding from that first success,
 * holding at least 80 % of the pre-fault rate of successful calls, relative to `backAt`.
 */
export function trialFigures(samples: readonly CallSample[], pending: readonly number[], fault: FaultTimes, settings: MetricSettings): TrialFigures {
  const windowMs = settings.windowMs ?? 100;
  const share = settings.share ?? 0.8;
  const stepMs = settings.stepMs ?? 5;
  const limit = settings.deadlineMs + 100;
  const okEnds: number[] = [];
  let failed = 0;
  let failedWithoutCode = 0;
  let pastDeadline = 0;
  let slowestMs = 0;
  let inFlightAtFault = 0;
  let slowestSinceFaultMs = 0;
  for (const sample of samples) {
    const took = sample.end - sample.start;
    if (took > slowestMs) slowestMs = took;
    if (took > limit) pastDeadline++;
    if (sample.start <= fault.faultAt && sample.end > fault.faultAt) inFlightAtFault++;
    slowestSinceFaultMs = Math.max(slowestSinceFaultMs, sample.end - Math.max(sample.start, fault.faultAt));
    if (sample.ok) {
      okEnds.push(sample.end);
      continue;
    }
    failed++;
    if (sample.code === undefined || sample.code === '') failedWithoutCode++;
  }
  for (const start of pending) {
    const took = settings.endAt - start;
    if (took > slowestMs) slowestMs = took;
    if (took > limit) pastDeadline++;
    if (start <= fault.faultAt) inFlightAtFault++;
    slowestSinceFaultMs = Math.max(slowestSinceFaultMs, settings.endAt - Math.max(start, fault.faultAt));
  }
  okEnds.sort((a, b) => a - b);
  const steadyMs = fault.faultAt - settings.steadyFrom;
  const preRate = steadyMs > 0 ? (countIn(okEnds, settings.steadyFrom, fault.faultAt) * windowMs) / steadyMs : 0;
  const firstIndex = lowerBound(okEnds, fault.outageAt);
  const first = okEnds[firstIndex];
  let fullThroughputMs: number | undefined;
  if (first !== undefined && preRate > 0) {
    const needed = preRate * share;
    for (let from = first; from + windowMs <= settings.endAt; from += stepMs) {
      if (countIn(okEnds, from, from + windowMs) >= needed) {
        fullThroughputMs = from - fault.backAt;
        break;
      }
    }
  }
  return {
    calls: samples.length + pending.length,
    failed,
    failedWithoutCode,
    pastDeadline,
    unsettled: pending.length,
    inFlightAtFault,
    slowestMs,
    slowestSinceFaultMs,
    firstSuccessMs: first === undefined ? undefined : first - fault.backAt,
    fullThroughputMs,
    preRate,
  };
}

/** The median of the defined values (undefined when none); the upper middle for an even count. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  return defined[Math.floor(defined.length / 2)];
}
