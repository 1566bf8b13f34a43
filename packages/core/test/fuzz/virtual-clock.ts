/**
 * A virtual clock for the fuzzer: replaces setTimeout, clearTimeout, setImmediate, clearImmediate
 * and performance.now while installed, so hours of pool time run in milliseconds and every run is
 * deterministic. Microtasks are drained with the real setImmediate (captured before install).
 */

const realSetImmediate = globalThis.setImmediate;

/** What the fake setTimeout returns: the members Node's Timeout has that the pool uses. */
export class VirtualTimer {
  cancelled = false;
  immediate = false;
  constructor(
    readonly id: number,
    public at: number,
    readonly seq: number,
    readonly fn: (...args: unknown[]) => void,
    readonly args: unknown[],
  ) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** Reported when a timer callback throws: the pool's timers must never throw. */
export class TimerCallbackError extends Error {}

export class VirtualClock {
  /** Virtual milliseconds since the clock was made. */
  now = 1_000;
  private seq = 0;
  private readonly heap: VirtualTimer[] = [];
  private immediates: VirtualTimer[] = [];
  private live = 0;
  /** Errors thrown by timer callbacks (each one is a bug). */
  readonly callbackErrors: unknown[] = [];

  /** Timers and immediates scheduled and not yet run or cleared. */
  pending(): number {
    return this.live + this.immediates.filter((t) => !t.cancelled).length;
  }

  /** Replaces the globals; returns a function that puts the real ones back. */
  install(): () => void {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = {
      setTimeout: g.setTimeout,
      clearTimeout: g.clearTimeout,
      setImmediate: g.setImmediate,
      clearImmediate: g.clearImmediate,
    };
    const perf = performance as unknown as { now: () => number };
    const hadOwnNow = Object.prototype.hasOwnProperty.call(perf, 'now');
    const savedNow = perf.now;
    g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => this.setTimeout(fn, ms, args);
    g.clearTimeout = (timer: unknown) => this.clear(timer);
    g.setImmediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => this.setImmediate(fn, args);
    g.clearImmediate = (timer: unknown) => this.clear(timer);
    perf.now = () => this.now;
    return () => {
      Object.assign(g, saved);
      if (hadOwnNow) perf.now = savedNow;
      else delete (perf as { now?: unknown }).now;
    };
  }

  setTimeout(fn: (...args: unknown[]) => void, ms: number | undefined, args: unknown[]): VirtualTimer {
    const delay = Number.isFinite(ms) && (ms as number) > 0 ? Math.floor(ms as number) : 0;
    // Node treats delays above 2^31-1 as 1 ms; the pool never asks for those
    const timer = new VirtualTimer(++this.seq, this.now + Math.max(1, delay), this.seq, fn, args);
    this.push(timer);
    this.live++;
    return timer;
  }

  setImmediate(fn: (...args: unknown[]) => void, args: unknown[]): VirtualTimer {
    const timer = new VirtualTimer(++this.seq, this.now, this.seq, fn, args);
    timer.immediate = true;
    this.immediates.push(timer);
    return timer;
  }

  clear(timer: unknown): void {
    if (!(timer instanceof VirtualTimer) || timer.cancelled) return;
    timer.cancelled = true;
    if (!timer.immediate) this.live--;
  }

  /** Drains microtasks and virtual immediates until nothing is left to run at the current time. */
  async flush(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      await new Promise<void>((resolve) => realSetImmediate(resolve));
      if (this.immediates.length === 0) return;
      const batch = this.immediates;
      this.immediates = [];
      for (const timer of batch) if (!timer.cancelled) this.run(timer);
    }
    throw new Error('virtual clock: immediates keep scheduling immediates (10,000 rounds)');
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order, with microtasks drained between. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await this.flush();
    for (;;) {
      const next = this.peek();
      if (next === undefined || next.at > target) break;
      this.pop();
      this.now = Math.max(this.now, next.at);
      this.live--;
      this.run(next);
      await this.flush();
    }
    this.now = target;
    await this.flush();
  }

  /** Time of the next live timer, or undefined. */
  nextAt(): number | undefined {
    return this.peek()?.at;
  }

  private run(timer: VirtualTimer): void {
    timer.cancelled = true;
    try {
      timer.fn(...timer.args);
    } catch (error) {
      this.callbackErrors.push(error);
    }
  }

  private peek(): VirtualTimer | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  // binary min-heap on (at, seq)
  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): VirtualTimer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
