import type { PoolRun } from '../run/pool-run.js';
import { ansi, int, progressBar, table } from './format.js';
import type { View, ViewFrame } from './view.js';

/**
 * The terminal view: a progress bar and a table of pools (size/idle/used/pending, throughput,
 * errors, state), redrawn in place with ANSI cursor movement. Notes scroll above it.
 */
export class LiveView implements View {
  private drawnLines = 0;
  private last: ViewFrame | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {
    out.write('\x1b[?25l'); // hide the cursor while redrawing
  }

  frame(frame: ViewFrame): void {
    this.last = frame;
    this.draw(frame);
  }

  note(message: string): void {
    this.clear();
    this.out.write(`${ansi.yellow('▸')} ${message}\n`);
    if (this.last) this.draw(this.last);
  }

  end(): void {
    this.out.write('\x1b[?25h');
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(frame: ViewFrame): void {
    const lines = render(frame);
    this.clear();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}

function render(frame: ViewFrame): string[] {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const head = `${ansi.bold('@pool demo')}  ${progressBar(frame.elapsedMs / frame.durationMs, 30)}  ${seconds(frame.elapsedMs)} s / ${seconds(frame.durationMs)} s`;
  const rows = frame.runs.map((run) => row(run, frame));
  const lines = [head, '', ...table(['pool', 'size', 'idle', 'used', 'pending', 'req/s', 'requests', 'errors', 'state'], rows, [false, true, true, true, true, true, true, true, false])];
  if (frame.metricsUrl) lines.push('', ansi.dim(`metrics: ${frame.metricsUrl}`));
  return lines;
}

function row(run: PoolRun, frame: ViewFrame): string[] {
  const s = frame.sample.pools[run.target.id];
  const faulted = frame.fault?.pool === run.target.id ? frame.fault.phase : undefined;
  let state = ansi.green('● ok');
  if (faulted === 'down') state = ansi.red('● upstream down');
  else if (faulted === 'recovering') state = ansi.yellow('● recovering');
  else if (faulted === 'recovered') state = ansi.green('● recovered');
  else if (s?.unavailable) state = ansi.red('● unavailable');
  else if (run.errors > 0 && performance.now() - run.lastErrorAt < 1_000) state = ansi.yellow('● errors');
  return [
    run.target.id,
    String(s?.size ?? 0),
    String(s?.idle ?? 0),
    String(s?.borrowed ?? 0),
    String(s?.pending ?? 0),
    int(s?.throughput ?? 0),
    int(run.ok),
    run.errors ? ansi.red(int(run.errors)) : '0',
    state,
  ];
}
