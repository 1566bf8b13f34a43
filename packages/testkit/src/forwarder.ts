import type { Socket } from 'node:net';

// Above this many queued bytes the source socket is paused, so a slow or held direction costs
// kernel buffers, not heap.
const HIGH_WATER = 1 << 20;

interface Chunk {
  data: Buffer;
  due: number;
}

/**
 * One direction of a proxied connection: reads `from`, writes `to`, in order, each chunk after the
 * current delay. `hold()` keeps everything (data and end-of-stream) until `release()`; the source is
 * paused meanwhile, so nothing is lost and nothing grows without bound.
 */
export class Forwarder {
  private readonly queue: Chunk[] = [];
  private bytes = 0;
  private lastDue = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private held = false;
  private ended = false;
  private finished = false;
  private delayMs = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on('data', (data: Buffer) => this.push(data));
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  /** Delay applied to chunks read from now on. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  hold(): void {
    this.held = true;
    this.clearTimer();
    this.from.pause();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (!this.from.destroyed) this.from.resume();
    this.pump();
  }

  /** Drops whatever is queued and stops the timer (the connection is going away). */
  discard(): void {
    this.clearTimer();
    this.queue.length = 0;
    this.bytes = 0;
  }

  private push(data: Buffer): void {
    const due = Math.max(performance.now() + this.delayMs, this.lastDue);
    this.lastDue = due;
    this.queue.push({ data, due });
    this.bytes += data.length;
    if (this.bytes > HIGH_WATER) this.from.pause();
    this.pump();
  }

  private pump(): void {
    if (this.held || this.to.destroyed) return;
    const now = performance.now();
    let sent = 0;
    while (sent < this.queue.length && this.queue[sent]!.due <= now) {
      const chunk = this.queue[sent]!;
      this.bytes -= chunk.data.length;
      this.to.write(chunk.data);
      sent++;
    }
    if (sent > 0) this.queue.splice(0, sent);
    if (this.queue.length > 0) {
      if (this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(0, Math.ceil(this.queue[0]!.due - now)));
      }
      return;
    }
    if (this.bytes <= HIGH_WATER && this.from.isPaused() && !this.from.destroyed) this.from.resume();
    if (this.ended && !this.finished) {
      this.finished = true;
      this.to.end();
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
