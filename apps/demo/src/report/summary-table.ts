import { ansi, int, table } from '../view/format.js';
import type { DemoSummary } from './summary.js';

/** The closing report: a table of pools, the skipped ones, the fault and recovery, the files. */
export function summaryLines(summary: DemoSummary, color: boolean): string[] {
  const c = color ? ansi : { green: ansi.none, red: ansi.none, yellow: ansi.none, dim: ansi.none, bold: ansi.none, none: ansi.none };
  const rows = summary.pools.map((p) => [
    p.green ? c.green('✔') : c.red('✘'),
    p.id,
    int(p.requests),
    int(p.requestsPerSecond),
    p.p50Ms.toFixed(2),
    p.p99Ms.toFixed(2),
    p.errors ? String(p.errors) + (p.unexpectedErrors ? '' : ' (fault)') : '0',
    `${p.final.size}/${p.final.max}`,
    String(p.maxSize),
    p.via,
  ]);
  const lines = ['', c.bold('Summary'), ...table(['', 'pool', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'size/max', 'peak', 'via'], rows, [false, false, true, true, true, true, true, true, true, false])];
  for (const s of summary.skipped) lines.push(c.dim(`- ${s.id}: skipped (${s.reason})`));
  const f = summary.fault;
  if (summary.interrupted) lines.push('', c.yellow(`Interrupted after ${(summary.elapsedMs / 1000).toFixed(1)} s of ${summary.durationMs / 1000} s.`));
  if (f && f.injectedAt === undefined) lines.push('', c.dim(`Fault on ${f.pool}: not injected (the run stopped first).`));
  else if (f) {
    lines.push('');
    if (f.recovered) {
      lines.push(c.green(`Fault on ${f.pool}: ${f.description}; ${f.errorsDuringFault} requests failed meanwhile; recovered in ${f.recoveredInMs} ms after the upstream came back.`));
    } else {
      lines.push(c.red(`Fault on ${f.pool}: ${f.description}; not recovered before the end of the run.`));
    }
  }
  lines.push('');
  lines.push(`Unhandled errors: ${summary.unhandled.rejections + summary.unhandled.exceptions}`);
  if (summary.metrics.url) lines.push(`/metrics: scraped ${summary.metrics.scrapes} time(s), ${summary.metrics.lastScrapeSeries} series at the end`);
  lines.push(`Chart: ${summary.chart}`);
  if (!summary.ok) lines.push(c.red(`Run failed:\n  ${summary.failures.join('\n  ')}`));
  else if (summary.interrupted) lines.push(c.yellow('Stopped by Ctrl-C: no failures in the part that ran, but not a full run.'));
  else lines.push(c.green('All pools green.'));
  return lines;
}
