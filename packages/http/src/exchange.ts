import { isPoolError, type Lease } from '@pool/core';
import type { Dispatcher } from 'undici';
import { withAuthorization } from './authorization.js';
import type { HttpConnection } from './connection.js';
import { HttpPoolError, isHttpPoolError } from './errors.js';
import { isIdempotent, isReplayableBody } from './idempotent.js';
import { isFatalHttpError, isSocketClosedError } from './is-fatal.js';
import type { OriginState } from './origin-state.js';
import type { LinePlace } from './wait-line.js';
import { firstUpWithin, routeCause, toError, untilAborted } from './origin-wait.js';

/** What an exchange needs from its dispatcher. */
export interface ExchangeHost {
  /** The origin to send to, skipping `tried`; undefined when none is up. */
  pick(tried: ReadonlySet<OriginState> | undefined): OriginState | undefined;
  /** The origins that are down and not in `tried` (asked when none is up: the request waits for their probes). */
  downUntried(tried: ReadonlySet<OriginState> | undefined): OriginState[];
  /** The error for "no origin can take the request" (`tried` origins failed, the others are down). */
  noOriginError(tried: ReadonlySet<OriginState> | undefined, lastError: Error | undefined): Error;
  readonly retryIdempotent: boolean;
  /**
   * True with several origins: a fresh connection dying under its first request counts against its
   * origin (enough take it out and move its waiters elsewhere). With one origin it does not: that is
   * the request's own error, as from undici's Pool, and taking the lone origin out would fail the
   * requests waiting for it with that error too.
   */
  readonly severalOrigins: boolean;
  /** Set once the dispatcher was destroyed: requests not yet answered fail with it, never retried. */
  readonly destroyError: Error | undefined;
  /** One exchange started by `dispatch` has finished (answered, failed or upgraded): `close()` waits for all of them. */
  settled(): void;
}

/** The caller's handler (undici's legacy or controller API). */
export type Handler = Dispatcher.DispatchHandler;

/** Sends of a request that never left (its pooled socket closed first) before giving up. */
const MAX_RESENDS = 3;

/**
 * The keep-alive race: the server closed an idle connection just as a request was sent on it. Its
 * close then reaches us within about one round trip of the send. This floor covers event-loop delays;
 * the connection's connect time (at least one round trip, with TLS and DNS more) widens it on slow links.
 * A socket that closes later died while the request was being processed (the server crashed or cut it).
 */
const STALE_RACE_FLOOR_MS = 150;

function staleRaceWindowMs(connection: HttpConnection): number {
  return Math.max(STALE_RACE_FLOOR_MS, 2 * connection.connectMs);
}

/** The path without its query string, which may carry tokens: for messages. */
function pathOnly(path: string): string {
  const query = path.indexOf('?');
  return query === -1 ? path : `${path.slice(0, query)}?…`;
}

/**
 * One request through the pooled dispatcher, from choosing an origin to the last callback. It is
 * itself the handler given to the connection's undici `Client`, so one object covers the request:
 * it borrows a connection, forwards undici's callbacks to the caller's handler, gives the connection
 * back when the response ends or fails, and decides the one retry:
 *
 * - never sent (no connection could be had, or the pooled socket had closed before writing): sent
 *   to another origin, whatever the method;
 * - the socket closed before any response byte: an idempotent request with a replayable body is
 *   retried once on a fresh connection; anything else fails: HTTP_STALE_CONNECTION when it was the
 *   keep-alive race (a reused connection closed right as the request was sent on it), otherwise
 *   undici's own error, as its Pool gives (a new connection dying, or a reused one dying while the
 *   request was being processed).
 */
export abstract class Exchange implements LinePlace {
  /** Where this request waits for a connection, if it has to (core's `WaitPlace`): a lone origin fails it when the connect made for it fails. */
  ticket: unknown = undefined;
  line: LinePlace['line'] = null;
  previousInLine: LinePlace | null = null;
  nextInLine: LinePlace | null = null;
  protected lease: Lease<HttpConnection> | null = null;
  protected origin: OriginState | null = null;
  /** Response headers arrived (or an upgrade): from then on nothing is retried. */
  protected started = false;
  /** The caller aborted; its reason. */
  protected abortReason: Error | null = null;
  protected done = false;
  private retried = false;
  private resends = 0;
  private reused = false;
  /** When the request was handed to the connection's client, and how long that connection had been idle before (performance.now() ms). */
  private sentAt = 0;
  private idleMs = 0;
  /** The keep-alive race window of the connection it was sent on. */
  private raceWindowMs = STALE_RACE_FLOOR_MS;
  private tried: Set<OriginState> | undefined;
  /** When it started waiting for a connection (performance.now()), 0 once it had one: its deadline holds across origins. */
  private waitingSince = 0;
  /** Reported to the host as finished (or never counted: refused by a closed dispatcher). */
  private isSettled = false;
  private readonly signal: AbortSignal | undefined;
  protected sendOpts: Dispatcher.DispatchOptions;

  constructor(protected readonly host: ExchangeHost, protected readonly opts: Dispatcher.DispatchOptions) {
    this.sendOpts = opts;
    const signal = (opts as { signal?: unknown }).signal;
    this.signal = signal instanceof AbortSignal ? signal : undefined;
  }

  /** Sends (again): to an up origin not yet tried, preferring one other than `avoid`; `fresh` wants a connection that never carried a request. */
  start(fresh = false, avoid?: OriginState): void {
    // a request moved off an origin taken out (or sent on after waiting for probes) keeps its deadline
    // (pool.acquireTimeoutMs): before, it waited a whole new one on the next origin (1.9 s for 1 s)
    const now = performance.now();
    const waitedMs = this.waitingSince === 0 ? -1 : now - this.waitingSince;
    if (waitedMs < 0) this.waitingSince = now;
    let origin: OriginState | undefined;
    if (avoid !== undefined) {
      const others = new Set(this.tried);
      others.add(avoid);
      origin = this.host.pick(others);
    }
    origin ??= this.host.pick(this.tried);
    if (origin === undefined) {
      const down = this.host.downUntried(this.tried);
      if (down.length > 0) this.awaitProbe(down, fresh, Math.max(waitedMs, 0));
      else this.fail(this.host.noOriginError(this.tried, this.lastRouteError));
      return;
    }
    this.origin = origin;
    origin.inflight++;
    origin.acquire(this, this.signal, fresh, waitedMs < 0 ? undefined : Math.max(1, origin.pool.options.acquireTimeoutMs - waitedMs)).then(
      (lease) => this.send(lease),
      (error: unknown) => this.notSent(origin, error),
    );
  }

  private lastRouteError: Error | undefined;

  /**
   * No origin is up: the down ones are probed now for this request, which is sent as soon as one is
   * up, or fails with the last probe's error once all failed, or at its deadline (see {@link firstUpWithin}).
   */
  private awaitProbe(down: OriginState[], fresh: boolean, waitedMs: number): void {
    untilAborted(firstUpWithin(down, waitedMs), this.signal).then(
      () => this.start(fresh),
      (error: unknown) => {
        if (this.abortReason !== null || this.signal?.aborted || this.host.destroyError !== undefined || isPoolError(error, 'POOL_CLOSED')) {
          this.fail(this.abortReason ?? this.host.destroyError ?? toError(this.signal?.aborted ? this.signal.reason : error));
          return;
        }
        this.lastRouteError = toError(error);
        const tried = (this.tried ??= new Set());
        for (const origin of down) tried.add(origin);
        this.start();
      },
    );
  }

  /** No connection was had on `origin`: try another origin, or fail. */
  private notSent(origin: OriginState, error: unknown): void {
    origin.leftLine(this);
    origin.inflight--;
    this.origin = null;
    if (this.abortReason !== null || this.signal?.aborted) {
      this.fail(this.abortReason ?? toError(this.signal?.reason));
      return;
    }
    // destroy(err) fails requests still waiting for a connection with err, as undici's Pool does
    if (this.host.destroyError !== undefined) {
      this.fail(this.host.destroyError);
      return;
    }
    // closed, or saturated (an acquire timeout with no failing create): another origin would only add a second wait
    if (isPoolError(error, 'POOL_CLOSED') || isPoolError(error, 'POOL_QUEUE_FULL')) {
      this.fail(error);
      return;
    }
    if (isPoolError(error, 'POOL_TIMEOUT') && error.cause === undefined) {
      // saturation: the message says when responses whose bodies are not being read hold the connections
      this.fail(origin.explainSaturation(error));
      return;
    }
    // HTTP_NO_ORIGIN: withdrawn as its origin went down; POOL_UNAVAILABLE (breaker open),
    // POOL_CREATE_FAILED, a timeout caused by failing creates: elsewhere
    this.lastRouteError = routeCause(error);
    (this.tried ??= new Set()).add(origin);
    this.start();
  }

  private send(lease: Lease<HttpConnection>): void {
    this.origin?.leftLine(this);
    this.waitingSince = 0;
    if (this.abortReason !== null) {
      lease.release();
      this.finishOrigin();
      this.fail(this.abortReason);
      return;
    }
    this.lease = lease;
    const connection = lease.resource;
    this.reused = connection.requests > 0;
    connection.requests++;
    connection.holder = this;
    this.sentAt = performance.now();
    this.idleMs = this.reused ? this.sentAt - connection.lastDoneAt : 0;
    this.raceWindowMs = staleRaceWindowMs(connection);
    const origin = this.origin as OriginState;
    if (origin.authorization !== undefined && this.sendOpts === this.opts) {
      this.sendOpts = { ...this.opts, headers: withAuthorization(this.opts.headers, origin.authorization) };
    }
    connection.client.dispatch(this.sendOpts, this as unknown as Handler);
  }

  /** The response ended: the connection goes back. */
  protected complete(): void {
    this.done = true;
    const lease = this.lease;
    this.lease = null;
    if (lease !== null) {
      lease.resource.holder = null;
      lease.resource.lastDoneAt = performance.now();
      // undici is inside its response-complete step: when it will not reuse the socket (`Connection:
      // close`, a HEAD, `reset: true`) it destroys it as soon as this callback returns. Given back
      // now, the connection would go straight to a caller waiting for one and fail its request; given
      // back after, the pool sees it broken and opens a new one for that caller, as undici's Pool does.
      queueMicrotask(() => {
        if (!lease.released) lease.release();
      });
    }
    this.origin?.noteSuccess();
    this.finishOrigin();
    this.settle();
  }

  /** Upgrade or CONNECT: the socket now belongs to the caller, so the connection leaves the pool. */
  protected detach(): void {
    this.started = true;
    const lease = this.lease;
    this.lease = null;
    if (lease !== null) lease.resource.holder = null;
    if (lease !== null && !lease.released) lease.destroy('upgraded');
    this.finishOrigin();
    this.settle();
  }

  /** undici reported an error: retry, or hand the caller the error. Returns true when retried. */
  protected failed(error: Error): boolean {
    const lease = this.lease;
    this.lease = null;
    const origin = this.origin;
    const neverSent = isHttpPoolError(error, 'HTTP_CONNECTION_CLOSED');
    const socketDied = !this.started && isSocketClosedError(error);
    const sinceSentMs = performance.now() - this.sentAt;
    // the keep-alive race: a reused connection closed before any answer, right as the request was sent
    const raced = socketDied && this.reused && sinceSentMs <= this.raceWindowMs;
    if (lease !== null) lease.resource.holder = null;
    if (lease !== null && !lease.released) {
      if (neverSent || isFatalHttpError(error) || lease.resource.broken) lease.destroy(error);
      else lease.release();
    }
    if (origin !== null) {
      // a fresh connection dying under its first request points at the origin, not at keep-alive;
      // with a lone origin it is this request's failure alone (undici's Pool answers the others)
      if (socketDied && !this.reused && this.host.severalOrigins) origin.noteFailure(error);
      origin.inflight--;
      this.origin = null;
    }
    if (this.abortReason !== null || this.host.destroyError !== undefined) {
      this.settle();
      this.deliverError(error);
      return false;
    }
    // bounded: a server that accepts and at once closes every connection must not keep us looping
    if (neverSent && ++this.resends <= MAX_RESENDS) {
      this.start();
      return true;
    }
    if (socketDied) {
      if (this.host.retryIdempotent && !this.retried && isIdempotent(this.opts) && isReplayableBody(this.opts.body)) {
        this.retried = true;
        // a connection dying under the request (not the keep-alive race) points at the origin: prefer
        // another one (the same if it is the only one up)
        this.start(true, raced || origin === null ? undefined : origin);
        return true;
      }
      // otherwise (a new connection, or a reused one that died while the request was being processed)
      // the caller gets undici's own error, as from its Pool
      if (raced) {
        const why = this.retried ? 'it was already retried once' : !isIdempotent(this.opts) ? `${this.opts.method} is not idempotent` : 'its body is a stream that cannot be replayed';
        this.settle();
        this.deliverError(new HttpPoolError('HTTP_STALE_CONNECTION', `the server closed the keep-alive connection to ${origin?.display ?? 'the origin'} as ${this.opts.method} ${pathOnly(this.opts.path)} was sent on it (it closed ${Math.round(sinceSentMs)} ms after the send, before any response, on a connection idle for ${Math.round(this.idleMs)} ms); not retried because ${why}. The server may or may not have processed it`, { cause: error, ...(origin ? { origin: origin.display } : {}) }));
        return false;
      }
    }
    this.settle();
    this.deliverError(error);
    return false;
  }

  private finishOrigin(): void {
    if (this.origin !== null) {
      this.origin.inflight--;
      this.origin = null;
    }
  }

  /** Fails the request before it was sent (the dispatcher is closed): it was never counted by the host. */
  reject(error: Error): void {
    this.isSettled = true;
    this.deliverError(error);
  }

  /** Fails before any connection was used. */
  protected fail(error: Error): void {
    this.settle();
    this.deliverError(error);
  }

  /** Tells the host, once, that this exchange is over (before the caller's handler hears it). */
  private settle(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.host.settled();
  }

  protected userAbort(reason: Error | undefined): void {
    if (this.abortReason !== null || this.done) return;
    this.abortReason = reason ?? new HttpAbortError();
    this.abortCurrent(this.abortReason);
  }

  /**
   * Since when (performance.now()) the caller has not taken the response body, -1 while it does: a
   * chunk handed to it met a full buffer (backpressure) and it has not asked for more since. undici
   * then stops reading the socket, so the response, and the connection under it, is held until the
   * body is read or discarded. A body read more slowly than it arrives pauses between its reads too,
   * hence the time: only a long pause tells an unread body.
   */
  abstract get bodyPausedAt(): number;

  protected abstract abortCurrent(reason: Error): void;
  protected abstract deliverError(error: Error): void;
}

class HttpAbortError extends Error {
  readonly code = 'UND_ERR_ABORTED';
  constructor() {
    super('Request aborted');
    this.name = 'AbortError';
  }
}
