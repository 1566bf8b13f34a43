import type { AllocationRow } from '../allocations.js';
import type { ComparisonResult } from '../comparison.js';
import type { WorkloadResult, WorkloadRow } from '../run-workload.js';
import type { Metric } from '../workloads/types.js';
import { formatBytes, formatMicros, formatMs, formatOps, formatRatio } from './format.js';
import type { BenchResults } from './results.js';
import { targetsMarkdown } from './targets.js';

const metricColumns: Record<Metric, { heading: string; cell: (row: WorkloadRow) => string }> = {
  p50Wait: { heading: 'p50 wait', cell: (row) => formatMs(row.p50WaitMs) },
  p99Wait: { heading: 'p99 wait', cell: (row) => formatMs(row.p99WaitMs) },
  maxWait: { heading: 'max wait', cell: (row) => formatMs(row.maxWaitMs) },
  totalTime: { heading: 'total time', cell: (row) => formatMs(row.totalMs) },
  heapDelta: { heading: 'heap delta after GC', cell: (row) => formatBytes(row.heapDeltaBytes) },
};

function table(headings: string[], rows: string[][]): string {
  const lines = [`| ${headings.join(' | ')} |`, `|${headings.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** The markdown section of one workload. */
export function workloadMarkdown(result: WorkloadResult): string {
  const extra = result.metrics.map((metric) => metricColumns[metric]);
  const rows = result.rows.map((row) => {
    const name = row.reference ? `${row.pool} (reference)` : row.pool;
    if (row.error !== undefined) return [name, `failed: ${row.error}`, '–', ...extra.map(() => '–')];
    return [name, formatOps(row.opsPerSec), formatRatio(row.ratio), ...extra.map((column) => column.cell(row))];
  });
  const incomplete = result.rows.filter((row) => row.error === undefined && row.completed !== row.operations);
  const warning = incomplete.length > 0 ? `\n\n**Incomplete:** ${incomplete.map((r) => `${r.pool} finished ${r.completed} of ${r.operations}`).join('; ')}` : '';
  return `### ${result.id} ${result.title}: ${result.description}\n\n${table(['pool', 'ops/s (median)', 'vs hand-written', ...extra.map((c) => c.heading)], rows)}${warning}`;
}

/** The allocation table: bytes per operation of W2's loop, for @pool/core and its floor. */
export function allocationsMarkdown(rows: readonly AllocationRow[]): string {
  const legend = 'Sampled by V8\'s heap profiler every 16 bytes, garbage included, after a warm-up of the same size. The floor is the loop with nothing but the promise and a two-field object (a lease) per operation.';
  return `### Allocation per operation (W2's loop)\n\n${table(['loop', 'bytes per operation'], rows.map((row) => [row.loop, row.bytesPerOp.toFixed(1)]))}\n\n${legend}`;
}

/** The markdown section of one adapter comparison. */
export function comparisonMarkdown(result: ComparisonResult): string {
  if ('skipped' in result) return `### ${result.id} ${result.title}\n\nSkipped: ${result.skipped}`;
  const first = result.rows[0]?.pool ?? 'first';
  const rows = result.rows.map((row) => [
    row.pool, formatOps(row.opsPerSec), formatRatio(row.ratio), formatRatio(row.pairedRatio), formatMicros(row.cpuUsPerOp), formatMs(row.p99Ms), String(row.errors),
  ]);
  const headings = ['pool', 'ops/s (median)', `vs ${first}`, `vs ${first}, paired`, 'CPU per op', 'p99 latency', 'errors'];
  const legend = `"vs ${first}" divides the medians; "paired" is the median of the ratios within each round (run back to back, order alternating). CPU per op is this process's user + system time per operation.`;
  return `### ${result.id} ${result.title} (${result.concurrency} callers, ${result.operations.toLocaleString('en-US')} ops per round)\n\n${table(headings, rows)}\n\n${legend}`;
}

/** The whole results/latest.md. */
export function resultsMarkdown(results: BenchResults): string {
  const env = results.environment;
  const parts = [
    '# @pool bench results',
    '',
    `${env.date} · Node ${env.node} · ${env.cpu} (${env.cores} cores) · ${env.platform} · ` +
      `medians of ${results.rounds} rounds, pools interleaved, ${results.inProcess ? 'all in one process, GC between runs' : 'each sample in a fresh process'}${env.gcExposed ? '' : ' (**GC not exposed: run with --expose-gc**)'}` +
      `${results.quick ? ' · **--quick (smoke-test sizes, not comparable)**' : ''}`,
    '',
    'Ratio: ops/s divided by the hand-written pool\'s ops/s (higher is faster). Waits are acquire waits, measured with process.hrtime.bigint.',
  ];
  for (const workload of results.workloads) parts.push('', workloadMarkdown(workload));
  if (results.allocations !== undefined) parts.push('', allocationsMarkdown(results.allocations));
  const targets = targetsMarkdown(results.targets);
  if (targets !== '') parts.push('', targets);
  for (const comparison of results.comparisons) parts.push('', comparisonMarkdown(comparison));
  parts.push('', '### Pools and settings', '');
  for (const { pool, note } of results.notes) parts.push(`- **${pool}**: ${note}`);
  return `${parts.join('\n')}\n`;
}
