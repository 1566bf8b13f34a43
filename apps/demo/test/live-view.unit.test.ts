import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PoolRun } from '../src/run/pool-run.js';
import type { DemoTarget } from '../src/targets/target.js';
import { LiveView } from '../src/view/live-view.js';
import { PlainView } from '../src/view/plain-view.js';
import type { ViewFrame } from '../src/view/view.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString(); done(); } });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

const stats = { name: 'tcp', size: 3, idle: 1, borrowed: 2, creating: 0, pending: 5, min: 0, max: 4, paused: false, closed: false, unavailable: false, totals: { created: 3, destroyed: 0, acquired: 0, released: 0, timeouts: 0, aborted: 0, rejected: 0, createErrors: 0, validationFailures: 0, leaks: 0 } };
const target: DemoTarget = { id: 'tcp', title: 't', via: 'v', endpoint: 'e', metered: { stats: () => stats }, stats: () => stats, callers: 1, operations: [{ name: 'op', weight: 1, run: async () => {} }], close: async () => {} };

function frame(elapsedMs: number, phase?: 'down' | 'recovered'): ViewFrame {
  const run = new PoolRun(target);
  run.ok = 1234;
  return {
    elapsedMs, durationMs: 4_000, runs: [run], metricsUrl: 'http://127.0.0.1:1/metrics',
    sample: { t: elapsedMs, pools: { tcp: { throughput: 321, errorsPerSecond: 0, size: 3, idle: 1, borrowed: 2, pending: 5, unavailable: false } } },
    fault: phase ? { pool: 'tcp', phase } : undefined,
  };
}

describe('terminal view', () => {
  it('draws a progress bar and the pool table, then redraws in place', () => {
    const out = capture();
    const view = new LiveView(out.stream);
    view.frame(frame(1_000));
    const first = out.text();
    expect(first).toContain('█'.repeat(8)); // 1/4 of a 30-cell bar (rounded)
    expect(first).toMatch(/tcp\s+3\s+1\s+2\s+5\s+321\s+1,234\s+0\s+\S*● ok/);
    expect(first).toContain('metrics: http://127.0.0.1:1/metrics');
    const lines = first.trimEnd().split('\n').length;
    view.frame(frame(2_000, 'down'));
    const second = out.text().slice(first.length);
    expect(second.startsWith(`\x1b[${lines}A\x1b[0J`)).toBe(true); // back up over the previous frame
    expect(second).toContain('upstream down');
    view.note('tcp: recovered in 12 ms');
    expect(out.text()).toContain('tcp: recovered in 12 ms\n');
    view.end();
    expect(out.text().endsWith('\x1b[?25h') || out.text().includes('\x1b[?25h')).toBe(true); // cursor shown again
  });

  it('plain view prints one line per second without ANSI codes', () => {
    const out = capture();
    const view = new PlainView(out.stream);
    view.frame(frame(0));
    view.frame(frame(500)); // within the same second: not printed
    view.frame(frame(1_000));
    view.note('fault injected');
    const text = out.text();
    expect(text.split('\n').filter(Boolean)).toEqual([
      '[  0.0 s] tcp 321/s size=3 idle=1 used=2 pending=5 err=0',
      '[  1.0 s] tcp 321/s size=3 idle=1 used=2 pending=5 err=0',
      '* fault injected',
    ]);
    expect(text).not.toContain('\x1b[');
  });
});
