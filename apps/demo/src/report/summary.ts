import type { PoolStats } from '@pool/core';
import type { FaultReport } from '../run/fault.js';
import type { PoolRun } from '../run/pool-run.js';
import type { SkippedTarget } from '../targets/target.js';

/** One pool in the summary. */
export interface PoolSummary {
  id: string;
  title: string;
  via: string;
  endpoint: string;
  requests: number;
  errors: number;
  /** Errors outside the fault window (0 for a healthy pool). */
  unexpectedErrors: number;
  errorsByCode: Record<string, number>;
  lastError: string | undefined;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxSize: number;
  operations: Record<string, number>;
  final: PoolStats;
  /** Served requests, no unexpected errors, and not refusing callers at the end. */
  green: boolean;
}

/** summary.json: everything a person or the CI test needs to judge the run. */
export interface DemoSummary {
  ok: boolean;
  /** The planned duration; `elapsedMs` is what ran (shorter when interrupted). */
  durationMs: number;
  elapsedMs: number;
  /** Stopped early by Ctrl-C. */
  interrupted: boolean;
  pools: PoolSummary[];
  skipped: SkippedTarget[];
  fault: FaultReport | undefined;
  unhandled: { rejections: number; exceptions: number; messages: string[] };
  metrics: { url: string | undefined; scrapes: number; lastScrapeSeries: number };
  chart: string;
  node: string;
  failures: string[];
}

/** Builds a pool's summary; `unexpectedErrors` comes from the fault report for the faulted pool. */
export function summarizePool(run: PoolRun, durationMs: number, maxSize: number, fault: FaultReport | undefined): PoolSummary {
  const final = run.target.stats();
  const unexpectedErrors = fault?.pool === run.target.id ? fault.errorsOutsideFault : run.errors;
  return {
    id: run.target.id,
    title: run.target.title,
    via: run.target.via,
    endpoint: run.target.endpoint,
    requests: run.ok,
    errors: run.errors,
    unexpectedErrors,
    errorsByCode: Object.fromEntries(run.errorsByCode),
    lastError: run.lastError,
    requestsPerSecond: Math.round(run.ok / (durationMs / 1000)),
    p50Ms: round(run.percentile(50)),
    p99Ms: round(run.percentile(99)),
    maxSize,
    operations: Object.fromEntries(run.opsByName),
    final,
    green: run.ok > 0 && unexpectedErrors === 0 && !final.unavailable,
  };
}

/** The reasons a run is not ok (empty when it is). */
export function failuresOf(summary: Omit<DemoSummary, 'ok' | 'failures'>): string[] {
  const failures: string[] = [];
  for (const p of summary.pools) {
    if (p.requests === 0) failures.push(`${p.id}: served no requests${p.lastError ? ` (last error ${p.lastError})` : ''}`);
    else if (p.unexpectedErrors > 0) failures.push(`${p.id}: ${p.unexpectedErrors} errors outside the fault window (last: ${p.lastError})`);
    else if (p.final.unavailable) failures.push(`${p.id}: still unavailable at the end`);
  }
  const fault = summary.fault;
  if (fault && fault.injectedAt === undefined) {
    if (!summary.interrupted) failures.push(`${fault.pool}: the fault was never injected`);
  } else if (fault && !fault.recovered) {
    failures.push(`${fault.pool}: did not recover after the fault`);
  }
  if (summary.unhandled.rejections + summary.unhandled.exceptions > 0) failures.push(`${summary.unhandled.rejections} unhandled rejections, ${summary.unhandled.exceptions} uncaught exceptions`);
  return failures;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
