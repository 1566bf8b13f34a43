import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../src/report/summary.js';
import { summaryLines } from '../src/report/summary-table.js';

const base: DemoSummary = {
  ok: true, durationMs: 20_000, elapsedMs: 20_000, interrupted: false, pools: [], skipped: [], fault: undefined,
  unhandled: { rejections: 0, exceptions: 0, messages: [] },
  metrics: { url: 'http://127.0.0.1:9464/metrics', scrapes: 1, lastScrapeSeries: 100 },
  chart: '/abs/out/chart.svg', node: process.version, failures: [],
};

describe('the closing lines', () => {
  it('a full run without failures ends with "All pools green."', () => {
    expect(summaryLines(base, false).at(-1)).toBe('All pools green.');
  });

  it('a run stopped by Ctrl-C does not claim "All pools green."', () => {
    const lines = summaryLines({ ...base, interrupted: true, elapsedMs: 3_200 }, false);
    expect(lines.join('\n')).not.toContain('All pools green.');
    expect(lines).toContain('Interrupted after 3.2 s of 20 s.');
    expect(lines.at(-1)).toBe('Stopped by Ctrl-C: no failures in the part that ran, but not a full run.');
  });

  it('prints the chart path it is given (absolute)', () => {
    expect(summaryLines(base, false)).toContain('Chart: /abs/out/chart.svg');
  });
});
