import { PoolError } from '../src/errors.js';
import { now } from '../src/clock.js';
import { withTimeout } from '../src/with-timeout.js';

/**
 * The defaults the ready-made clients use: a call with no reply for 3 s makes the pool check the
 * server, and the server has at most 2 s to answer. So with default options a call on a frozen
 * server settles within 5 s, and a long query on a live server costs one probe every 3 s.
 */
export const livenessDefaults = { thresholdMs: 3_000, maxCheckTimeoutMs: 2_000 } as const;

/** How a ready-made client's calls are watched for a frozen server. */
export interface CallWatchdogOptions {
  /** A call with no reply for this long makes the watchdog check the server. */
  thresholdMs: number;
  /** How long the server has to answer the check before it counts as unresponsive. */
  checkTimeoutMs: number;
  /**
   * Checks the *server* over another connection than the waiting calls' (an idle one, or a fresh
   * connect): resolves when it answered, rejects (or ignores `signal` past the timeout) when not.
   */
  probe(signal: AbortSignal): Promise<unknown>;
  /** The pool's name, for messages. */
  pool?: string;
}

/** One call in flight. `done()` when it settles, with `answered: false` when no reply came. */
export interface WatchedCall {
  done(answered?: boolean): void;
}

/** One watched call: one object, its `done` a method (a closure per call would be a second object). */
class Entry implements WatchedCall {
  /** Neighbours in the watchdog's list, oldest first; `prev === this` marks an entry no longer listed. */
  prev: Entry | undefined = undefined;
  next: Entry | undefined = undefined;

  constructor(
    private readonly watchdog: CallWatchdog,
    readonly startedAt: number,
    readonly fail: (error: PoolError) => void,
  ) {}

  done(answered = true): void {
    this.watchdog.settled(this, answered);
  }
}

/**
 * Tells a frozen server from a slow query, for calls that have no deadline of their own (the pg and
 * mysql drop-ins, as their drivers' pools). When the oldest call in flight has had no reply for
 * `thresholdMs` since the server was last known alive, one probe checks the server over another
 * connection: an answer proves it alive, and every call goes on untouched (a lock wait, a long
 * report); no answer within `checkTimeoutMs` fails every call that was overdue, through its own
 * `fail` (the adapter rejects the caller with the error and destroys that connection). So a call
 * on a frozen server settles within `thresholdMs + checkTimeoutMs` (+ timer slack).
 *
 * One timer for all calls (set to the oldest call's due time), one probe at a time, and any call
 * that gets its reply counts as proof of life too, so a busy live server is never probed.
 */
export class CallWatchdog {
  private readonly calls = new CallList();
  private aliveAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dueAt = Infinity;
  private probing = false;
  private closed = false;

  constructor(private readonly options: CallWatchdogOptions) {}

  /** Watches one call; `fail` is called at most once, only if the server is found unresponsive. */
  watch(fail: (error: PoolError) => void): WatchedCall {
    const entry = new Entry(this, now(), fail);
    if (this.closed) return entry;
    this.calls.push(entry);
    if (!this.probing && this.timer === undefined) this.arm();
    return entry;
  }

  /** @internal A watched call settled; `answered`: with a reply from the server, which proves it alive. */
  settled(entry: Entry, answered: boolean): void {
    if (this.calls.remove(entry) && answered) this.aliveAt = now();
  }

  get size(): number {
    return this.calls.size;
  }

  /** Stops watching: no more probes; calls in flight are left to their own fate. */
  close(): void {
    this.closed = true;
    this.calls.clear();
    this.disarm();
  }

  /** The oldest call's due time: threshold after it started, or after the server was last seen alive. */
  private nextDue(): number {
    const oldest = this.calls.first;
    return oldest === undefined ? Infinity : Math.max(oldest.startedAt, this.aliveAt) + this.options.thresholdMs;
  }

  private arm(): void {
    const due = this.nextDue();
    if (due === Infinity || due === this.dueAt) return;
    this.disarm();
    this.dueAt = due;
    this.timer = setTimeout(() => this.check(), Math.max(0, due - now()));
    this.timer.unref?.();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
  }

  private check(): void {
    this.timer = undefined;
    this.dueAt = Infinity;
    if (this.closed || this.probing) return;
    const startedAt = now();
    const due = this.nextDue();
    if (due > startedAt) {
      this.arm();
      return;
    }
    this.probing = true;
    const { probe, checkTimeoutMs, pool } = this.options;
    // a timer that fired late (a busy event loop) shortens the probe's time, so the oldest call still
    // settles by its due time + checkTimeoutMs; never below a quarter of it, so a live server has time to answer
    const budget = Math.max(checkTimeoutMs / 4, Math.min(checkTimeoutMs, due + checkTimeoutMs - startedAt));
    withTimeout((signal) => probe(signal), budget, 'validate', pool ?? 'pool').then(
      () => {
        this.aliveAt = Math.max(this.aliveAt, startedAt);
        this.settleProbe();
      },
      (cause: unknown) => {
        this.probing = false;
        if (this.closed) return;
        this.failOverdue(now(), cause);
        this.arm();
      },
    );
  }

  /**
   * Fails every call overdue at `t`, when the probe failed: each had no reply for `thresholdMs`, and
   * the server stayed silent through the whole check, which ran while it waited. One that fell due
   * during the check goes with the first (a check of its own would end up to `checkTimeoutMs` later,
   * past its bound); a reply during the check is proof of life and spares them all.
   */
  private failOverdue(t: number, cause: unknown): void {
    const { checkTimeoutMs, thresholdMs, pool } = this.options;
    const overdue: Entry[] = [];
    for (let entry = this.calls.first; entry !== undefined; entry = entry.next) {
      if (Math.max(entry.startedAt, this.aliveAt) + thresholdMs > t) break;
      overdue.push(entry);
    }
    for (const entry of overdue) {
      this.calls.remove(entry);
      const waited = Math.round(now() - entry.startedAt);
      entry.fail(new PoolError(
        'POOL_SERVER_UNRESPONSIVE',
        `no reply for ${waited} ms and the server did not answer a liveness check within ${checkTimeoutMs} ms`,
        { cause, pool },
      ));
    }
  }

  private settleProbe(): void {
    this.probing = false;
    if (!this.closed) this.arm();
  }
}

/**
 * The calls in flight, oldest first: a doubly linked list through the entries themselves. A Set did
 * this job before, and under load it kept finished calls alive past young-generation GCs: at 100
 * callers (W6, mysql) 2.5 MB were promoted per scavenge against 0.3 MB with this list, and the
 * scavenges took ~5x as long (measured; V8's reason not pinned down). Unlinking also drops the
 * finished call's neighbours, so nothing it referenced stays reachable through the list.
 */
class CallList {
  first: Entry | undefined = undefined;
  private last: Entry | undefined = undefined;
  size = 0;

  push(entry: Entry): void {
    entry.prev = this.last;
    entry.next = undefined;
    if (this.last === undefined) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
    this.size++;
  }

  /** Unlinks `entry`; false when it was not listed. */
  remove(entry: Entry): boolean {
    if (entry.prev === entry) return false;
    const { prev, next } = entry;
    if (prev === undefined) {
      if (this.first !== entry) return false;
      this.first = next;
    } else prev.next = next;
    if (next === undefined) this.last = prev;
    else next.prev = prev;
    entry.prev = entry;
    entry.next = undefined;
    this.size--;
    return true;
  }

  clear(): void {
    for (let entry = this.first; entry !== undefined;) {
      const next = entry.next;
      entry.prev = entry;
      entry.next = undefined;
      entry = next;
    }
    this.first = this.last = undefined;
    this.size = 0;
  }
}
