import { allocationLoops, type AllocationRow } from '../allocations.js';
import type { WorkloadResult } from '../run-workload.js';

/** One target of issue 3 (or design.md), checked against a run's medians. */
export interface TargetCheck {
  target: string;
  workload: string;
  /** What was measured, e.g. `3.1x` or `0.72x` or `+0.22 MB`. */
  measured: string;
  met: boolean;
}

const CORE = '@pool/core';
const MB = 1024 * 1024;

function opsOf(result: WorkloadResult, pool: string): number | undefined {
  const row = result.rows.find((r) => r.pool === pool);
  return row === undefined || row.error !== undefined ? undefined : row.opsPerSec;
}

/**
 * The performance targets: @pool/core at least 2x generic-pool and tarn on W1–W4; at least 0.9x the
 * hand-written pool on W1–W3 and 0.97x on W4 (issue 19; W4 is bound by the holds), and a heap delta
 * after GC under 1 MB on W4. Only targets whose pools ran are listed.
 */
export function checkTargets(workloads: readonly WorkloadResult[], allocations: readonly AllocationRow[] = []): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const bytes = (loop: string) => allocations.find((row) => row.loop === loop)?.bytesPerOp;
  const floor = bytes(allocationLoops.floor);
  const acquire = bytes(allocationLoops.acquire);
  if (floor !== undefined && acquire !== undefined) {
    // issue 19: acquire + release allocate nothing beyond the promise and the lease (the sampling is exact to a few bytes)
    checks.push({ target: 'allocates only its promise and its lease', workload: 'W2', measured: `${(acquire - floor).toFixed(1)} B/op over the floor`, met: acquire - floor <= 4 });
  }
  for (const result of workloads) {
    const core = opsOf(result, CORE);
    if (core === undefined) continue;
    for (const peer of ['generic-pool 3.9', 'tarn 3.1']) {
      const other = opsOf(result, peer);
      if (other === undefined) continue;
      const times = core / other;
      checks.push({ target: `>= 2x ${peer}`, workload: result.id, measured: `${times.toFixed(2)}x`, met: times >= 2 });
    }
    const hand = opsOf(result, 'hand-written');
    if (hand !== undefined) {
      const ratio = core / hand;
      if (result.id === 'W4') {
        checks.push({ target: '>= 0.97x hand-written', workload: result.id, measured: `${ratio.toFixed(2)}x`, met: ratio >= 0.97 });
      } else {
        checks.push({ target: '>= 0.90x hand-written', workload: result.id, measured: `${ratio.toFixed(2)}x`, met: ratio >= 0.9 });
      }
    }
    const heap = result.rows.find((r) => r.pool === CORE)?.heapDeltaBytes;
    if (result.id === 'W4' && heap !== undefined) {
      checks.push({ target: 'heap delta after GC < 1 MB', workload: result.id, measured: `${(heap / MB).toFixed(2)} MB`, met: heap < MB });
    }
  }
  return checks;
}

/** The markdown table of target checks. */
export function targetsMarkdown(checks: readonly TargetCheck[]): string {
  if (checks.length === 0) return '';
  const lines = ['### Targets for @pool/core', '', '| workload | target | measured | |', '|---|---|---:|---|'];
  for (const check of checks) lines.push(`| ${check.workload} | ${check.target} | ${check.measured} | ${check.met ? 'met' : '**missed**'} |`);
  return lines.join('\n');
}
