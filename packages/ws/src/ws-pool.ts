import { randomUUID } from 'node:crypto';
import { assertKnownKeys, describeValue, isPoolError, numberOption, Pool, PoolOptionError, type AcquireOptions, type Lease, type PoolOptions } from '@pool/core';
import { defaultPoolName, traceCall, type CallTraceContext } from '@pool/core/adapter-kit';
import type { WebSocket } from 'ws';
import { connectHoldOf, type ConnectHold } from './connect-hold.js';
import { CorrelationRouter } from './correlation.js';
import { WsPoolError, isWsPoolError } from './errors.js';
import { type WsProviderOptions } from './options.js';
import { wsProvider, type WsProvider } from './provider.js';
import { breakWebSocket, brokenCause, isWebSocketBroken } from './socket-state.js';

/** Options of {@link createWsPool}: the provider's, the request helper's, and the pool's. */
export interface WsPoolOptions extends WsProviderOptions {
  /** The field of request and reply messages that carries the correlation id. @default 'id' */
  idField?: string;
  /**
   * The per-call deadline for a request's reply when the call gives no `timeoutMs`: past it the call
   * rejects with POOL_TIMEOUT (phase 'query') and the socket is destroyed. @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * After a request times out or is aborted, destroy its socket (default: a silent peer is not asked
   * again). `false` keeps it: replies are matched by id, so a late reply is recognised and dropped,
   * never handed to the next request (ids must be unique).
   * @default true
   */
  destroyOnTimeout?: boolean;
  /** Options of the underlying @pool/core pool (min, max, timeouts...). */
  pool?: PoolOptions;
}

/** Per-call options of {@link WsPool.request}. */
export interface WsRequestOptions {
  /** Aborting it fails the call: POOL_ABORTED while waiting for a socket, WS_ABORTED while waiting for the reply. */
  signal?: AbortSignal;
  /** The whole call's budget: waiting for a socket plus waiting for the reply. */
  timeoutMs?: number;
  /** Priority in the acquire queue (higher first). */
  priority?: number;
}

const requestKeys = new Set(['signal', 'timeoutMs', 'priority']);
const poolKeys = new Set(['url', 'protocols', 'headers', 'handshakeTimeoutMs', 'closeTimeoutMs', 'clientOptions', 'reset', 'idField', 'requestTimeoutMs', 'destroyOnTimeout', 'pool']);

/**
 * A pool of WebSockets with a JSON request/reply helper matched by correlation id. Everything of
 * @pool/core's `Pool` works too (`use`, `acquire`, `stats`, `close`, events).
 */
export class WsPool extends Pool<WebSocket> {
  /** The message field that carries the correlation id. */
  readonly idField: string;
  private readonly router: CorrelationRouter;
  /** The default per-call deadline for a reply, in ms. */
  readonly requestTimeoutMs: number;
  private readonly server: CallTraceContext['server'];
  private readonly destroyOnTimeout: boolean;
  private readonly idPrefix = randomUUID().slice(0, 8);
  private nextId = 0;
  private readonly hold: ConnectHold | undefined;
  /** Callers of `ready()` still waiting: they wait for connects too. */
  private readyWaiting = 0;

  constructor(provider: WsProvider, router: CorrelationRouter, options: { idField: string; requestTimeoutMs: number; destroyOnTimeout: boolean; pool?: PoolOptions | undefined; hold?: ConnectHold | undefined }) {
    super(provider, options.pool);
    // a connect in flight keeps the process alive only while a caller waits (see ConnectHold)
    this.hold = options.hold;
    this.hold?.follow(() => this.readyWaiting > 0 || this.stats().pending > 0);
    this.router = router;
    this.idField = options.idField;
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.destroyOnTimeout = options.destroyOnTimeout;
    const url = new URL(provider.options.url);
    this.server = { host: url.hostname, port: url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : Number(url.port) };
  }

  /** As @pool/core's; a caller that may wait for a connect in flight makes it hold the process again. */
  override acquire(options?: AcquireOptions): Promise<Lease<WebSocket>> {
    this.hold?.wanted();
    return super.acquire(options);
  }

  /** As @pool/core's, with {@link acquire}'s hold. */
  override acquireWithdrawable(place: Parameters<Pool<WebSocket>['acquireWithdrawable']>[0], options?: AcquireOptions): Promise<Lease<WebSocket>> {
    this.hold?.wanted();
    return super.acquireWithdrawable(place, options);
  }

  /** As @pool/core's; while it waits, the connects for `min` hold the process. */
  override ready(): Promise<void> {
    if (this.hold === undefined) return super.ready();
    this.readyWaiting++;
    this.hold.wanted();
    return super.ready().finally(() => {
      this.readyWaiting--;
    });
  }

  /** Replies that matched no waiting request (late replies to timed-out requests, unsolicited messages) and were dropped. */
  get droppedReplies(): number {
    return this.router.dropped;
  }

  /**
   * Borrows a socket, sends `message` as JSON and resolves with the first JSON message whose id field
   * equals the request's. A message without an id gets a fresh one (unique in this process); ids you
   * supply must be unique too. Rejects with POOL_TIMEOUT (phase 'query'), WS_ABORTED or WS_CLOSED (the
   * socket is destroyed; after a timeout or abort it is kept only with `destroyOnTimeout: false`),
   * WS_INVALID_MESSAGE, or @pool/core's POOL_TIMEOUT (phase 'acquire'), POOL_ABORTED... while waiting
   * for a socket. Traced on `pool:call` (adapter 'ws', operation 'request').
   */
  request<T = unknown>(message: Record<string, unknown>, options: WsRequestOptions = {}): Promise<T> {
    let id: unknown;
    let text: string;
    try {
      if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', `Expected request options to be an object, got ${describeValue(options)}`);
      assertKnownKeys(options, requestKeys, 'request');
      ({ id, text } = this.encode(message));
    } catch (error) {
      return Promise.reject(error);
    }
    const context: CallTraceContext = { pool: this.name, adapter: 'ws', operation: 'request', server: this.server };
    return traceCall(context, () => this.exchange<T>(id, text, options));
  }

  private encode(message: Record<string, unknown>): { id: unknown; text: string } {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new WsPoolError('WS_INVALID_MESSAGE', 'a request must be a JSON object');
    }
    let id = message[this.idField];
    let body = message;
    if (id === undefined || id === null) {
      id = `${this.idPrefix}-${++this.nextId}`;
      body = { ...message, [this.idField]: id };
    }
    if (typeof id !== 'string' && typeof id !== 'number') {
      // a reply's id is parsed afresh: an object (or boolean, bigint) id could never match, the call would only time out
      throw new WsPoolError('WS_INVALID_MESSAGE', `the ${this.idField} field must be a string or a number, got ${describeValue(id)}`);
    }
    try {
      return { id, text: JSON.stringify(body) };
    } catch (error) {
      throw new WsPoolError('WS_INVALID_MESSAGE', 'the request cannot be serialised as JSON', { cause: error });
    }
  }

  private async exchange<T>(id: unknown, text: string, options: WsRequestOptions): Promise<T> {
    const started = performance.now();
    const lease = await this.acquire({
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    });
    const ws = lease.resource;
    const timeoutMs = options.timeoutMs === undefined ? this.requestTimeoutMs : Math.max(1, options.timeoutMs - (performance.now() - started));
    let reply: unknown;
    try {
      reply = await this.router.send(ws, id, text, { signal: options.signal, timeoutMs });
    } catch (error) {
      const lateReplyPossible = isPoolError(error, 'POOL_TIMEOUT') || isWsPoolError(error, 'WS_ABORTED');
      if (isWebSocketBroken(ws)) lease.destroy(error);
      else if (lateReplyPossible && this.destroyOnTimeout) {
        // closed at once (terminate, no close frame): a peer that left a request unanswered would
        // leave the close unanswered too, holding the socket (and the process, and close()) for closeTimeoutMs
        breakWebSocket(ws, error);
        lease.destroy(error);
      } else lease.release();
      throw error;
    }
    if (isWebSocketBroken(ws)) lease.destroy(brokenCause(ws));
    else lease.release();
    return reply as T;
  }
}

/**
 * A ready-made pool of WebSockets for request/reply protocols with correlation ids.
 *
 * ```ts
 * const pool = createWsPool({ url: 'ws://127.0.0.1:8080/rpc', pool: { max: 4 } });
 * const reply = await pool.request<{ id: string; result: number }>({ method: 'add', params: [1, 2] });
 * ```
 */
export function createWsPool(options: WsPoolOptions): WsPool {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected an options object with at least `url`');
  assertKnownKeys(options, poolKeys, 'createWsPool');
  const { idField = 'id', requestTimeoutMs, destroyOnTimeout = true, pool, ...providerOptions } = options;
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || Array.isArray(pool))) {
    throw new PoolOptionError('pool', `Expected \`pool\` to be an object of @pool/core options, got ${describeValue(pool)}`);
  }
  if (typeof idField !== 'string' || idField.length === 0) throw new PoolOptionError('idField', 'Expected `idField` to be a non-empty string');
  if (typeof destroyOnTimeout !== 'boolean') throw new PoolOptionError('destroyOnTimeout', `Expected \`destroyOnTimeout\` to be a boolean, got ${typeof destroyOnTimeout}`);
  const base = wsProvider(providerOptions);
  const router = new CorrelationRouter(idField, base.options.safeUrl);
  const provider: WsProvider = {
    ...base,
    async create(ctx) {
      const ws = await base.create(ctx);
      router.install(ws);
      return ws;
    },
    destroy(ws) {
      // a request still waits on it (close() ran out of time for its lease): closed at once, and the call rejects WS_CLOSED now
      if (router.pendingOn(ws) > 0) {
        breakWebSocket(ws, new WsPoolError('WS_CLOSED', `WebSocket to ${base.options.safeUrl} destroyed by the pool with a request waiting for its reply`, { url: base.options.safeUrl }));
      }
      return base.destroy?.(ws);
    },
  };
  return new WsPool(provider, router, {
    idField,
    requestTimeoutMs: numberOption(requestTimeoutMs, 'requestTimeoutMs', 30_000, { minimum: 1, allowInfinity: true }),
    destroyOnTimeout,
    hold: connectHoldOf(base),
    pool: { ...pool, name: defaultPoolName(pool?.name, wsPoolName(base.options.url)) },
  });
}

/** `ws:host:port/path`, without credentials or query. */
function wsPoolName(url: string): string {
  const u = new URL(url);
  return `${u.protocol.slice(0, -1)}:${u.hostname}:${u.port || (u.protocol === 'wss:' ? 443 : 80)}${u.pathname}`;
}
