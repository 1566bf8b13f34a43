import { backoffDelay } from './backoff.js';
import { Alarm } from './alarm.js';
import { now } from './clock.js';
import { CreateAbort } from './create-signal.js';
import { messageOf, PoolError, PoolTimeoutError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { CreateErrorKind, ResourceProvider } from './provider.js';

/** The longest pause between attempts on a full server ('busy') while callers wait: a freed slot is taken within about a second. */
const BUSY_MAX_DELAY_MS = 1_000;

/** What the creator needs of the pool around it. */
export interface CreatorHost<R> {
  /** Waiting callers that no idle resource and no create in flight covers. */
  uncovered(): number;
  /** Resources owned plus creates in flight (what `max` caps). */
  size(): number;
  /** The pool's eviction generation, recorded when a create starts. */
  generation(): number;
  /** A create succeeded: the resource joins the pool. False when it came back already broken (destroyed). */
  created(resource: R, durationMs: number, generation: number): boolean;
  /** A create failed (`report` for the 'error' event); with `reject`, the first `limit` waiting callers are rejected with it now. */
  failed(report: PoolError, reject: PoolError | undefined, limit: number): void;
  /** The breaker opened or closed. */
  availability(unavailable: boolean, cause: unknown): void;
  /** A create that was given up (timeout, close) delivered a resource after all. */
  late(resource: R): void;
}

/**
 * Starts creates and paces them after failures (the only part that calls `provider.create`).
 *
 * - Healthy: up to `maxConcurrentCreates` creates at once, for uncovered waiters, `min` or a grow target.
 * - After a failure, one probe at a time until one succeeds. The attempts started together form a
 *   round, and the backoff counts failed rounds, not attempts. While callers wait or ask, the next
 *   probe starts `retry.probeDelayMs` after the last failure; with no one asking (refilling `min`, an
 *   open breaker) it waits the exponential backoff.
 * - Breaker (`failFast.afterFailures`): opens once that many rounds failed AND the outage has lasted
 *   `acquireTimeoutMs`; then a caller is refused at once (POOL_UNAVAILABLE) only if the outage has
 *   outlasted its own deadline, and its asking starts the next probe. A success closes it.
 * - `provider.classifyCreateError` 'busy' (a full server: too many connections): the next attempt
 *   waits the backoff (capped at 1 s) even while callers wait, instead of `retry.probeDelayMs`; the
 *   breaker does not open on it (the server is up: callers wait for a slot or a released resource).
 * - `provider.classifyCreateError` 'permanent' (or any error before the first success with
 *   `failFast.untilConnected`, then only the callers no other create in flight covers): every waiting
 *   caller is rejected at once with POOL_CREATE_FAILED. After a
 *   permanent one, acquires are refused with it for a window (`retry.minDelayMs`, doubling per
 *   failure, capped at `retry.maxDelayMs`), and the next attempt starts only when a caller asks.
 */
export class Creator<R> {
  private creatingCount = 0;
  /** With `grow` > 1 or 'double': keep creating until the pool has this many. */
  private growTarget = 0;
  private readonly attempts = new Set<(reason: unknown) => void>();
  private round = 0;
  private failedRound = -1;
  /** Consecutive failed rounds; 0 while healthy. */
  private failures = 0;
  private outageStart = 0;
  private lastFailureAt = 0;
  /** When the next background (unasked) attempt is due. */
  private pacedAt = 0;
  /** After a 'busy' failure: when the next attempt is due, asked or not. */
  private busyAt = 0;
  private lastError: unknown = undefined;
  private permanent = false;
  /** The last failure said the server has no room ('busy'): the next attempt waits the paced backoff even while callers ask. */
  private busy = false;
  private connected = false;
  private open = false;
  /** A caller was refused while failing: its asking counts as demand for the next probe. */
  private asked = false;
  private closed = false;
  /** The next paced attempt. */
  private readonly alarm = new Alarm(() => this.fill(), true);
  /** Counts create outcomes: a waiter remembers it, to tell whether creates failed during its wait. */
  private seq = 0;
  private lastFailureSeq = -1;
  private lastSuccessSeq = -1;

  constructor(
    private readonly provider: ResourceProvider<R>,
    private readonly opts: ResolvedOptions,
    private readonly host: CreatorHost<R>,
  ) {}

  get creating(): number {
    return this.creatingCount;
  }

  /** True while the breaker is open. */
  get unavailable(): boolean {
    return this.open;
  }

  /** Consecutive failed rounds (0 while healthy). */
  get failedRounds(): number {
    return this.failures;
  }

  /** The outcome count now: a waiter remembers it, for `timeoutError`. */
  get mark(): number {
    return this.seq;
  }

  /**
   * The error of a caller whose deadline passed: POOL_CREATE_FAILED when creates failed (during its
   * wait, or the pool was still failing with room to create) and none succeeded since, else
   * POOL_TIMEOUT, with the last create error as cause if any failed. `state` goes in the message.
   */
  timeoutError(enqueuedAt: number, deadline: number, mark: number, t: number, hasRoom: boolean, state: string): PoolError {
    const failed = this.lastFailureSeq >= mark || (this.failures > 0 && hasRoom);
    const limit = Math.round(deadline - enqueuedAt);
    const cause = this.lastError;
    if (failed && this.lastSuccessSeq < mark) {
      return new PoolError('POOL_CREATE_FAILED', `could not get a resource within ${limit} ms: creates keep failing (${this.failures} in a row), the last with: ${messageOf(cause)}`, { cause, pool: this.opts.name });
    }
    return new PoolTimeoutError('acquire', Math.round(t > enqueuedAt ? t - enqueuedAt : 0), `acquire timed out after ${limit} ms (${state})`, { pool: this.opts.name, ...(failed ? { cause } : {}) });
  }

  /** A caller found no resource: with `grow` set, aim at more than one new resource. */
  shortage(): void {
    const grow = this.opts.grow;
    if (grow === 1) return;
    const size = this.host.size();
    this.growTarget = Math.min(this.opts.max, Math.max(this.growTarget, size + (grow === 'double' ? Math.max(1, size) : grow)));
  }

  private hasRoom(): boolean {
    return this.host.size() < this.opts.max;
  }

  /** True while the pool should grow with no caller asking: below `min`, or short of a grow target. */
  private short(): boolean {
    const size = this.host.size();
    return size < this.opts.min || size < this.growTarget;
  }

  /** Starts the creates the pool needs now. Call whenever demand may have grown. */
  fill(): void {
    if (this.closed) return;
    const host = this.host;
    if (this.failures === 0) {
      while (this.creatingCount < this.opts.maxConcurrentCreates && this.hasRoom() && (host.uncovered() > 0 || this.short())) this.start();
      return;
    }
    if (this.creatingCount > 0 || !this.hasRoom()) return; // one probe at a time
    const asking = this.asked || host.uncovered() > 0;
    const at = this.permanent ? (asking ? this.lastFailureAt + this.permanentWindow() : Infinity)
      : asking ? (this.busy ? this.busyAt : Math.min(this.lastFailureAt + this.opts.retryProbeDelayMs, this.pacedAt))
      : this.short() || this.open ? this.pacedAt : Infinity;
    if (at === Infinity) return;
    if (now() >= at) this.start();
    else this.alarm.setBy(at);
  }

  /**
   * For a caller about to wait (no idle resource): the error to refuse it with at once, or undefined
   * to let it wait. `timeoutMs` is its own deadline.
   */
  refusal(timeoutMs: number): PoolError | undefined {
    if (this.failures === 0) return undefined;
    const t = now();
    if (this.permanent) {
      return t < this.lastFailureAt + this.permanentWindow() ? this.createError(this.lastError, true) : undefined;
    }
    this.maybeOpen(t);
    if (!this.open || t - this.outageStart < timeoutMs) return undefined;
    this.asked = true;
    this.fill();
    return new PoolError('POOL_UNAVAILABLE', `backend unavailable for ${Math.round(t - this.outageStart)} ms (${this.failures} failed create rounds), the last with: ${messageOf(this.lastError)}`, { cause: this.lastError, pool: this.opts.name });
  }

  /** Gives up every create in flight (their signals abort) and starts no more. */
  close(reason: unknown): void {
    this.closed = true;
    this.alarm.stop();
    for (const cancel of [...this.attempts]) cancel(reason);
  }

  private start(): void {
    if (this.failedRound === this.round) this.round++;
    this.asked = false;
    this.creatingCount++;
    const round = this.round;
    const generation = this.host.generation();
    const started = now();
    const creation = new CreateAbort();
    const timeoutMs = this.opts.createTimeoutMs;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      this.attempts.delete(cancel);
      this.creatingCount--;
      return true;
    };
    const cancel = (reason: unknown): void => {
      if (finish()) creation.abort(reason);
    };
    const onError = (error: unknown): void => {
      if (finish()) this.failed(error, round);
    };
    this.attempts.add(cancel);
    if (timeoutMs !== Infinity) {
      timer = setTimeout(() => {
        const error = new PoolTimeoutError('create', timeoutMs, `create timed out after ${timeoutMs} ms`, { pool: this.opts.name });
        creation.abort(error);
        onError(error);
      }, timeoutMs);
      timer.unref?.();
    }
    let promise: Promise<R>;
    try {
      promise = Promise.resolve(this.provider.create(creation.context));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then((resource) => {
      if (!finish()) this.host.late(resource);
      else if (this.host.created(resource, now() - started, generation)) this.succeeded();
      else this.failed(new PoolError('POOL_CREATE_FAILED', 'create returned a resource that provider.isBroken() reports broken', { pool: this.opts.name }), round);
    }, onError);
  }

  private succeeded(): void {
    if (this.growTarget <= this.host.size()) this.growTarget = 0;
    this.lastSuccessSeq = this.seq++;
    this.failures = 0;
    this.permanent = false;
    this.connected = true;
    this.alarm.stop();
    if (this.open) {
      this.open = false;
      this.host.availability(false, undefined);
    }
    this.fill();
  }

  private failed(error: unknown, round: number): void {
    const t = now();
    this.lastFailureSeq = this.seq++;
    this.lastError = error;
    this.lastFailureAt = t;
    this.growTarget = 0;
    if (this.failures === 0) this.outageStart = t;
    if (round > this.failedRound) {
      this.failedRound = round;
      this.failures++;
    }
    this.pacedAt = t + backoffDelay(this.failures, this.opts.retryMinDelayMs, this.opts.retryMaxDelayMs);
    const kind = error instanceof PoolTimeoutError ? 'transient' : this.classify(error);
    this.permanent = kind === 'permanent';
    this.busy = kind === 'busy';
    if (this.busy) this.busyAt = t + backoffDelay(this.failures, this.opts.retryMinDelayMs, Math.min(this.opts.retryMaxDelayMs, BUSY_MAX_DELAY_MS));
    const report = error instanceof PoolTimeoutError ? error : this.createError(error, this.permanent);
    const rejectAll = this.permanent || (this.opts.failFastUntilConnected && !this.connected);
    // before the first connect (failFast.untilConnected), only the callers that no other create in flight covers
    this.host.failed(report, rejectAll ? (report instanceof PoolTimeoutError ? this.createError(error, false) : report) : undefined, this.permanent ? Infinity : this.host.uncovered());
    if (this.closed) return;
    this.maybeOpen(t);
    this.fill();
  }

  private classify(error: unknown): CreateErrorKind {
    const classify = this.provider.classifyCreateError;
    if (classify === undefined) return 'transient';
    try {
      const kind = classify.call(this.provider, error);
      return kind === 'permanent' || kind === 'busy' ? kind : 'transient';
    } catch {
      return 'transient'; // a classifier that throws must not stop the retries
    }
  }

  private createError(cause: unknown, permanent: boolean): PoolError {
    const what = permanent ? 'create failed with an error that retrying will not fix' : 'create failed';
    return new PoolError('POOL_CREATE_FAILED', `${what}: ${messageOf(cause)}`, { cause, pool: this.opts.name, permanent });
  }

  private maybeOpen(t: number): void {
    // a full server ('busy') is up: callers wait for a slot (or a borrowed resource) rather than being refused
    if (this.open || this.busy || this.failures < this.opts.failFastAfter || t - this.outageStart < this.opts.acquireTimeoutMs) return;
    this.open = true;
    this.host.availability(true, this.lastError);
  }

  private permanentWindow(): number {
    return Math.min(this.opts.retryMaxDelayMs, this.opts.retryMinDelayMs * 2 ** Math.min(this.failures - 1, 30));
  }
}
