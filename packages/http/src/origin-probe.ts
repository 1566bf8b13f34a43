import { backoffDelay } from '@pool/core/adapter-kit';
import type { HttpConnection } from './connection.js';
import { HttpPoolError } from './errors.js';
import type { HttpProvider } from './provider.js';

/** What a {@link Prober} needs from its origin. */
export interface ProbeTarget {
  readonly display: string;
  readonly provider: HttpProvider;
  /** The origin pool's create and validate deadlines (read at each probe). */
  timeouts(): { createTimeoutMs: number; validateTimeoutMs: number };
  /** A probe passed: the origin is up again. */
  passed(): void;
  /** A probe failed with `error`. */
  failed(error: unknown): void;
}

/**
 * Probes a down origin back in: a fresh connection outside the pool, one health check, then closed.
 * In the background with backoff (`failover.probe`), or at once for a request that has nowhere else
 * to go ({@link demand}). (If the user turned core's circuit breaker on and it is open, the requests
 * let in ask the pool, and that asking starts its own probe create.)
 */
export class Prober {
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probing = false;
  /** Between {@link start} and {@link reset}: the origin is down, background probes run. */
  private down = false;
  private closed = false;
  /** Cuts the probe in flight at {@link close} (its connect, or its health check). */
  private readonly stop = new AbortController();
  /** The connection of the probe in flight, once connected. */
  private current: HttpConnection | undefined;
  /** Requests waiting for a probe: see {@link demand}. */
  private demands: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly target: ProbeTarget, private readonly minDelayMs: number, private readonly maxDelayMs: number) {}

  /** The origin went down: background probes start over from the shortest delay. */
  start(): void {
    this.down = true;
    this.failures = 0;
    this.schedule();
  }

  /**
   * The origin is up (a probe passed, or a connect of its pool did): the requests waiting for a probe
   * go ahead, and the background probes stop. Before, the probe scheduled for the outage still ran
   * after a request's connect had brought a lone origin back, and reported it back a second time.
   */
  reset(): void {
    this.down = false;
    this.failures = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.settle(undefined);
  }

  /**
   * A request while the origin is down, when there is no other origin to send it to: probe now
   * rather than at the next backoff, as undici's Pool connects for every request. Resolves once the
   * origin is up; rejects with the probe's error (the connect error itself, or a failed health check).
   * Requests that ask while a probe runs share it.
   */
  demand(): Promise<void> {
    const answer = new Promise<void>((resolve, reject) => this.demands.push({ resolve, reject }));
    if (!this.probing) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.probe();
    }
    return answer;
  }

  /** No more probes; the requests waiting for one fail with `error`. */
  /**
   * No more probes; the requests waiting for one fail with `error`, and the probe in flight is cut
   * (before, its socket stayed open, holding the process, until its connect or health check timed out).
   */
  close(error: unknown): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stop.abort(error);
    void this.current?.destroy().catch(() => undefined);
    this.settle(error);
  }

  /** Answers the requests waiting for a probe: the origin is up (`error` undefined), or the probe failed. */
  private settle(error: unknown): void {
    const demands = this.demands;
    if (demands.length === 0) return;
    this.demands = [];
    for (const demand of demands) {
      if (error === undefined) demand.resolve();
      else demand.reject(error);
    }
  }

  private schedule(): void {
    if (this.closed || !this.down) return;
    clearTimeout(this.timer);
    const delay = backoffDelay(++this.failures, this.minDelayMs, this.maxDelayMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe();
    }, delay);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    this.probing = true;
    const { provider, display } = this.target;
    const { createTimeoutMs, validateTimeoutMs } = this.target.timeouts();
    let connection: HttpConnection | undefined;
    try {
      connection = await provider.create({ signal: AbortSignal.any([AbortSignal.timeout(Math.min(createTimeoutMs, 2 ** 31 - 1)), this.stop.signal]) });
      this.current = connection;
      if (this.closed) throw this.stop.signal.reason;
      const healthy = await (provider.validate as NonNullable<HttpProvider['validate']>)(connection, { signal: AbortSignal.any([AbortSignal.timeout(Math.min(validateTimeoutMs, 2 ** 31 - 1)), this.stop.signal]), idleMs: 0 });
      if (healthy === false) throw new HttpPoolError('HTTP_HEALTH_CHECK_FAILED', `probe of ${display}: the connection closed during the health check`, { origin: display });
    } catch (error) {
      // all at once, before any await: a request asking meanwhile starts the next probe, not this one's answer
      this.probing = false;
      this.current = undefined;
      if (!this.closed) this.target.failed(error);
      this.settle(error);
      this.schedule();
      void connection?.destroy().catch(() => undefined);
      return;
    }
    this.probing = false;
    this.current = undefined;
    void connection.destroy().catch(() => undefined);
    this.target.passed();
  }
}
