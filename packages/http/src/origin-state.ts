import { createPool, isPoolError, PoolError, type AcquireOptions, type Lease, type Pool, type PoolOptions } from '@pool/core';
import type { HttpConnection } from './connection.js';
import { HttpPoolError, isHttpPoolError } from './errors.js';
import type { HttpProvider } from './provider.js';
import { hide } from './hidden.js';
import { Prober } from './origin-probe.js';
import type { OriginListener, OriginStatus, ResolvedFailover } from './origin-types.js';
import { explainSaturation } from './unread-bodies.js';
import { linePlace, WaitingLines, type LinePlace } from './wait-line.js';

/** One origin: its connection pool, its health, and its share of the load. */
export class OriginState {
  readonly pool: Pool<HttpConnection>;
  readonly display: string;
  /** `protocol://host:port`, without credentials. */
  readonly href: string;
  readonly authorization: string | undefined;
  up = true;
  /**
   * Taken out by failed connects: only its connect path is out, and the first connect that passes
   * brings it back. A lone origin still takes every request (see {@link takesRequests}); one of
   * several keeps its open connections for when no origin is up (see {@link servesKept}).
   */
  private downByConnects = false;
  inflight = 0;
  /** Connection failures in a row; an answered request resets them. */
  failures = 0;
  /** Failed health checks in a row; only a passing health check resets them (answered requests do not). */
  healthFailures = 0;
  lastError: unknown = undefined;
  private readonly prober: Prober;
  private checkTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly provider: HttpProvider;
  /** Every connection the pool owns, so `destroy()` can cut requests in flight. */
  private readonly connections = new Set<HttpConnection>();
  /**
   * Who waits for a connection (see {@link WaitingLines}): with a lone origin, a failed connect fails
   * the first; when the origin is taken out, they are withdrawn (see {@link markDown}).
   */
  private readonly lines = new WaitingLines();

  /** `lone`: the dispatcher's only origin (there is nowhere to move a request whose connect failed). */
  constructor(provider: HttpProvider, poolOptions: PoolOptions, private readonly failover: ResolvedFailover, private readonly listener: OriginListener, private readonly lone = false) {
    this.provider = provider;
    this.display = provider.origin.display;
    this.href = provider.origin.origin;
    this.authorization = provider.origin.authorization;
    hide(this, 'authorization');
    // the pool sees a provider that also counts this origin's failures and successes
    const counted: HttpProvider = {
      ...provider,
      create: async (ctx) => {
        try {
          const connection = await provider.create(ctx);
          this.connections.add(connection);
          this.listener.onConnection?.(this, connection);
          // a lone origin taken out by failed connects: a connect passed, it is back
          if (this.downByConnects) this.markUp();
          return connection;
        } catch (error) {
          if ((this.lone || this.downByConnects) && !this.closed) this.failFirstWaiting(error);
          this.noteFailure(error);
          if (!this.closed) this.listener.onConnectError?.(this, error);
          throw error;
        }
      },
      destroy: (connection) => {
        this.connections.delete(connection);
        return connection.destroy();
      },
      validate: async (connection, ctx) => {
        try {
          const healthy = await (provider.validate as NonNullable<HttpProvider['validate']>)(connection, ctx);
          if (healthy) this.noteHealthy();
          return healthy;
        } catch (error) {
          this.noteHealthFailure(error);
          throw error;
        }
      },
    };
    this.pool = createPool(counted, poolOptions);
    this.prober = new Prober({
      display: this.display,
      provider,
      timeouts: () => this.pool.options,
      passed: () => this.markUp(),
      failed: (error) => {
        this.lastError = error;
      },
    }, failover.probeMinDelayMs, failover.probeMaxDelayMs);
    if (failover.checkIntervalMs > 0) {
      this.checkTimer = setInterval(() => this.periodicCheck(), failover.checkIntervalMs);
      this.checkTimer.unref();
    }
  }

  /**
   * Borrows a connection; with `fresh`, one that has never carried a request (for the retry after a
   * stale keep-alive close). `place` records the wait (call {@link leftLine} with it once the acquire
   * settled): with a lone origin, a connect that fails fails the first place in line with its error.
   * `timeoutMs`: what is left of the request's deadline when it comes from another origin (see `Exchange.start`).
   */
  acquire(place: LinePlace, signal: AbortSignal | undefined, fresh = false, timeoutMs?: number): Promise<Lease<HttpConnection>> {
    const options: AcquireOptions | undefined = signal === undefined && timeoutMs === undefined ? undefined : timeoutMs === undefined ? { signal } : { signal, timeoutMs };
    if (fresh) return this.acquireFresh(place, { ...options, priority: 1 });
    return this.wait(place, options, false);
  }

  /** An acquire that may have to wait; a waiting one joins the lines (`urgent`: a fresh-connection retry). */
  private wait(place: LinePlace, options: AcquireOptions | undefined, urgent: boolean): Promise<Lease<HttpConnection>> {
    const promise = this.pool.acquireWithdrawable(place, options);
    if (place.ticket !== undefined) this.lines.join(place, urgent);
    return promise;
  }

  /** The acquire of `place` settled (a lease, or an error): it no longer waits. */
  leftLine(place: LinePlace): void {
    place.line?.remove(place);
  }

  /** A lone origin's connect failed: the first caller waiting for a connection fails with it (see {@link WaitingLines.failFirst}). */
  private failFirstWaiting(error: unknown): void {
    this.lines.failFirst((place) => this.pool.withdraw(place, new PoolError('POOL_CREATE_FAILED', `create failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error, pool: this.pool.name }), 'rejected'));
  }

  /**
   * The retry goes ahead of the callers in line (priority 1: it already waited once), so the next
   * connection created (or given back) is its own. Reused connections met on the way are held (not
   * handed back, or the pool would offer them again) and released at the end; when holding them
   * leaves no room to create, one of them is destroyed. Before, the retry queued behind every caller:
   * under steady load each new connection went to another caller, so the retry waited for as long as
   * the load lasted while the pool destroyed and created connections in a loop.
   */
  private async acquireFresh(place: LinePlace, options: AcquireOptions): Promise<Lease<HttpConnection>> {
    const held: Lease<HttpConnection>[] = [];
    try {
      for (;;) {
        let lease: Lease<HttpConnection>;
        try {
          lease = await this.wait(place, options, true);
        } finally {
          this.leftLine(place);
        }
        if (lease.resource.requests === 0) return lease;
        held.push(lease);
        const stats = this.pool.stats();
        if (stats.idle === 0 && stats.size >= stats.max) {
          (held.shift() as Lease<HttpConnection>).destroy(new HttpPoolError('HTTP_STALE_CONNECTION', 'made room for a fresh connection after a stale keep-alive close', { origin: this.display }));
        }
      }
    } finally {
      for (const lease of held) lease.release();
    }
  }

  /** A request's acquire timed out, every connection busy: see {@link explainSaturation}. */
  explainSaturation(error: PoolError): PoolError {
    return explainSaturation(error, this.connections, this.display);
  }

  /** A request finished with a response: the origin is reachable (its health is the health check's call). */
  noteSuccess(): void {
    this.failures = 0;
  }

  /** A health check passed. */
  noteHealthy(): void {
    this.healthFailures = 0;
  }

  /** A health check failed (unexpected status, timeout, socket error); enough in a row take the origin out. */
  noteHealthFailure(error: unknown): void {
    if (this.closed) return;
    this.healthFailures++;
    this.lastError = error;
    if (this.up && this.healthFailures >= this.failover.downAfterFailures) this.markDown(error, false);
  }

  /** A connection-level failure; enough in a row take the origin out of rotation. */
  noteFailure(error: unknown): void {
    if (this.closed) return;
    this.failures++;
    this.lastError = error;
    if (this.up && this.failures >= this.failover.downAfterFailures) this.markDown(error, true);
  }

  /**
   * Whether a request may be sent to this origin's pool now: while it is up, and always for a lone
   * origin, which has nowhere better to send it. Out by failed health checks (a server answering its
   * health path with 503), it is reported down and probed back in, and its requests still go to the
   * server, which may answer them, as undici's Pool sends them: before, the requests sent meanwhile
   * shared one probe whose failed health check failed them all with HTTP_NO_ORIGIN (12 of 12, where
   * undici's Pool got the server's 8 200s and 4 503s; `test/lone-origin-health-down.test.ts`).
   * Out because its connects failed, each request waits in line for a connection (a kept
   * one, or a connect made for it) and fails only when the connect made for it fails (it is first
   * in line) or at its deadline (`pool.acquireTimeoutMs`), as with undici's Pool, where each request
   * has a connect of its own. Before, requests arriving while it was out shared one probe and a
   * failed probe failed them all: a 300 ms restart failed all 50 requests sent meanwhile (undici's
   * Pool: 50 too), where the pool, retrying one connect every `retry.probeDelayMs`, fails a few.
   */
  get takesRequests(): boolean {
    return this.up || this.lone;
  }

  /**
   * One of several origins, taken out by failed connects, that still has open connections: when no
   * origin is up, a request goes to its pool rather than failing (see {@link markDown}). There it
   * waits for one of them, or fails by the connect made for it ({@link failFirstWaiting}).
   */
  get servesKept(): boolean {
    return !this.up && this.downByConnects && !this.lone && this.connections.size > 0;
  }

  /** Status snapshot. */
  status(): OriginStatus {
    return { origin: this.display, up: this.up, inflight: this.inflight, failures: Math.max(this.failures, this.healthFailures), lastError: this.lastError, pool: this.pool.stats() };
  }

  /** A request for this origin while it is down, with no other origin to send it to: see {@link Prober.demand}. */
  demand(): Promise<void> {
    if (this.up) return Promise.resolve();
    if (this.closed) return Promise.reject(this.closedError());
    return this.prober.demand();
  }

  /** Stops probes and checks, closes the pool (waiting up to `timeoutMs` for requests in flight). */
  close(timeoutMs: number): Promise<void> {
    this.closed = true;
    clearInterval(this.checkTimer);
    this.prober.close(this.closedError());
    return this.pool.close({ timeoutMs });
  }

  /** Like close, but first destroys every connection, so requests in flight fail now with `reason` (also after a close() that is still waiting). */
  destroy(reason?: Error): Promise<void> {
    // first, so the requests on them hear `reason` rather than the pool's own close
    for (const connection of this.connections) void connection.destroy(reason);
    return this.close(0);
  }

  /**
   * Takes one of several origins out: new requests go elsewhere, the requests waiting for its
   * connections move on at once, and its connections are closed (a lone origin keeps all of it, only
   * reported down and probed: see {@link takesRequests}).
   * They are withdrawn from its pool's line, counted there as `rejected`: the pool failed them (its
   * backend is unavailable), as core counts the callers a failed create rejects. Before, they were
   * moved by aborting a signal every acquire carried, which core counts as `aborted`, a caller that
   * gave up (3 of 3 in `test/moved-waiters-totals.test.ts`; and each acquire carried options, which
   * kept it off core's fast path, and an `AbortSignal.any` when the caller had a signal).
   * Except after failed connects (`byConnects`): only its connect path is out.
   *
   * Its open connections are kept: a listener that stops accepting (a full accept queue, a server
   * draining) does not close the keep-alive connections it still answers on. Closing them failed
   * every request after a lone origin was taken out (20 of 20 in `test/accept-stopped.test.ts`;
   * undici's Pool served 10 on its two open connections). One of several origins gets no new request
   * while another is up (a listener that stopped often means a server going away: its connections
   * may close under a request), but its connections serve when none is up ({@link servesKept}):
   * with the other origin killed, 20 of 20 requests served on them, where closing them failed all 20
   * (undici's BalancedPool: 10; `test/half-down-origin.test.ts`). They close as idle connections do,
   * or serve again once it is back. Its waiting requests still move to the origins that are up.
   *
   * A lone origin's requests, waiting or new, stay in its pool's line ({@link takesRequests}). After
   * failed connects each fails only when a connect made for it fails (it is first in line:
   * {@link failFirstWaiting}) or at its deadline, as with undici's Pool, where each request has a connect of its own (failing them all
   * with the error of the connects that took the origin out failed requests no connect was made for:
   * a 100 ms restart under a burst of 200, max 10, 20 ms connects, failed all 200, undici's Pool 30
   * to 40).
   */
  private markDown(cause: unknown, byConnects: boolean): void {
    this.up = false;
    this.downByConnects = byConnects;
    if (!this.lone) {
      const error = new HttpPoolError('HTTP_NO_ORIGIN', `origin ${this.display} was taken out of rotation after ${Math.max(this.failures, this.healthFailures)} consecutive failures`, { cause, origin: this.display });
      this.lines.withdrawAll((place) => this.pool.withdraw(place, error, 'rejected'));
      if (!byConnects) this.pool.evictAll(error);
    }
    this.listener.onDown(this, cause);
    this.prober.start();
  }

  private markUp(): void {
    // already up: a probe that was in flight when a connect of its pool brought it back passed too
    if (this.closed || this.up) return;
    this.up = true;
    this.downByConnects = false;
    this.failures = 0;
    this.healthFailures = 0;
    this.listener.onUp(this);
    this.prober.reset();
  }

  private closedError(): PoolError {
    return new PoolError('POOL_CLOSED', `cannot send to ${this.display}: the dispatcher is closed`, { pool: this.pool.name });
  }

  private periodicCheck(): void {
    if (!this.up || this.closed) return;
    const validate = this.provider.validate as NonNullable<HttpProvider['validate']>;
    const timeoutMs = Math.min(this.pool.options.validateTimeoutMs, 2 ** 31 - 1);
    // in line as a request is: a connect made for it (no connection idle) that fails fails it, not a request behind it
    const place = linePlace();
    this.wait(place, undefined, false).then(
      async (lease) => {
        this.leftLine(place);
        try {
          if ((await validate(lease.resource, { signal: AbortSignal.timeout(timeoutMs), idleMs: 0 })) === false) lease.destroy('broken');
          else {
            this.noteHealthy();
            lease.release();
          }
        } catch (error) {
          lease.destroy(error);
          this.noteHealthFailure(error);
        }
      },
      (error: unknown) => {
        this.leftLine(place);
        // HTTP_NO_ORIGIN: the origin went down meanwhile; create failures were counted (and kept) by create
        if (!isHttpPoolError(error, 'HTTP_NO_ORIGIN') && !isPoolError(error, 'POOL_CLOSED') && !isPoolError(error, 'POOL_CREATE_FAILED')) this.lastError = error;
      },
    );
  }
}
