import type { Socket } from 'node:net';

// Above this many queued bytes the source socket is paused, so a slow or held direction costs
// kernel buffers, not heap.
const HIGH_WATER = 1 << 20;

interface Chunk {
  data: Buffer;
  /** When it was read. */
  at: number;
  /** When it may be written: `at` plus the delay, never before the chunk ahead of it. */
  due: number;
}

/**
 * One direction of a proxied connection: reads `from`, writes `to`, in order, each chunk after the
 * current delay. `hold()` keeps everything (data and end-of-stream) until `release()`; the source is
 * paused meanwhile, so nothing is lost and nothing grows without bound. The source is also paused
 * while more than HIGH_WATER bytes wait for their delay, and while `to` is backed up (its write()
 * returned false, until 'drain'): a slow reader on either side holds the sender back instead of
 * filling the proxy's memory.
 */
export class Forwarder {
  private readonly queue: Chunk[] = [];
  private bytes = 0;
  private lastDue = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private held = false;
  private ended = false;
  private finished = false;
  /** `to` refused more (write returned false): nothing is written or read until its 'drain'. */
  private draining = false;
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

  /**
   * The delay from now on, for the chunks still queued as well: lowering it (to 0: lifting the
   * latency) delivers what waits as soon as its new due time allows.
   */
  setDelay(ms: number): void {
    this.delayMs = ms;
    let last = 0;
    for (const chunk of this.queue) {
      chunk.due = Math.max(chunk.at + ms, last);
      last = chunk.due;
    }
    this.lastDue = last;
    if (this.queue.length > 0) {
      this.clearTimer();
      this.pump();
    }
  }

  hold(): void {
    this.held = true;
    this.clearTimer();
    this.from.pause();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (!this.from.destroyed && !this.draining) this.from.resume();
    this.pump();
  }

  /** Drops whatever is queued and stops the timer (the connection is going away). */
  discard(): void {
    this.clearTimer();
    this.queue.length = 0;
    this.bytes = 0;
    this.draining = false;
    this.to.off('drain', this.onDrain);
  }

  private push(data: Buffer): void {
    const at = performance.now();
    const due = Math.max(at + this.delayMs, this.lastDue);
    this.lastDue = due;
    this.queue.push({ data, at, due });
    this.bytes += data.length;
    if (this.bytes > HIGH_WATER) this.from.pause();
    this.pump();
  }

  private pump(): void {
    if (this.held || this.draining || this.to.destroyed) return;
    const now = performance.now();
    let sent = 0;
    let full = false;
    while (sent < this.queue.length && this.queue[sent]!.due <= now) {
      const chunk = this.queue[sent]!;
      this.bytes -= chunk.data.length;
      sent++;
      if (!this.to.write(chunk.data)) {
        full = true;
        break;
      }
    }
    if (sent > 0) this.queue.splice(0, sent);
    if (full) {
      this.draining = true;
      this.clearTimer();
      this.from.pause();
      this.to.once('drain', this.onDrain);
      return;
    }
    if (this.bytes <= HIGH_WATER && this.from.isPaused() && !this.from.destroyed) this.from.resume();
    if (this.queue.length > 0) {
      if (this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(0, Math.ceil(this.queue[0]!.due - now)));
      }
      return;
    }
    if (this.ended && !this.finished) {
      this.finished = true;
      this.to.end();
    }
  }

  private readonly onDrain = (): void => {
    this.draining = false;
    this.pump();
  };

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
