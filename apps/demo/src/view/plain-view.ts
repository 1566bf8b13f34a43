import { int } from './format.js';
import type { View, ViewFrame } from './view.js';

/** Plain lines for logs and CI (stdout not a TTY): one status line per second, notes as they come. */
export class PlainView implements View {
  private lastPrinted = -Infinity;

  constructor(private readonly out: NodeJS.WritableStream) {}

  frame(frame: ViewFrame): void {
    if (frame.elapsedMs - this.lastPrinted < 1_000) return;
    this.lastPrinted = frame.elapsedMs;
    const parts = frame.runs.map((run) => {
      const s = frame.sample.pools[run.target.id];
      return `${run.target.id} ${int(s?.throughput ?? 0)}/s size=${s?.size ?? 0} idle=${s?.idle ?? 0} used=${s?.borrowed ?? 0} pending=${s?.pending ?? 0} err=${run.errors}`;
    });
    this.out.write(`[${(frame.elapsedMs / 1000).toFixed(1).padStart(5)} s] ${parts.join(' | ')}\n`);
  }

  note(message: string): void {
    this.out.write(`* ${message}\n`);
  }

  end(): void {}
}
