import type { Socket } from 'node:net';
import { assertKnownKeys, describeValue, numberOption, Pool, PoolOptionError, type PoolOptions } from '@pool/core';
import { defaultPoolName, traceCall, type CallTraceContext } from '@pool/core/adapter-kit';
import { DEFAULT_MAX_FRAME_BYTES, exchangeFrame } from './exchange.js';
import { codecFor, type FrameCodec, type Framing } from './framing.js';
import { type TcpProviderOptions } from './options.js';
import { tcpProvider, type TcpProvider } from './provider.js';
import { brokenCause, isSocketBroken } from './socket-state.js';

/** Options of {@link createTcpPool}: the provider's, the framing of `request`, and the pool's. */
export interface TcpPoolOptions extends TcpProviderOptions {
  /** How `request` frames payloads and replies: `'line'` (`\n`-terminated) or `'length-prefixed'` (4-byte big-endian length). @default 'line' */
  framing?: Framing;
  /** Longest reply (and payload) `request` accepts; a longer reply fails with TCP_FRAME_TOO_LARGE. @default 16777216 */
  maxFrameBytes?: number;
  /**
   * The per-call deadline of one exchange (after a socket is borrowed) when the call gives no
   * `timeoutMs`: past it the call rejects with POOL_TIMEOUT (phase 'query') and the socket is
   * destroyed, never reused. @default 30000
   */
  requestTimeoutMs?: number;
  /** Options of the underlying @pool/core pool (min, max, timeouts...). */
  pool?: PoolOptions;
}

/** Per-call options of {@link TcpPool.request}. */
export interface TcpRequestOptions {
  /** Aborting it fails the call: POOL_ABORTED while waiting for a socket, TCP_ABORTED (socket destroyed) after sending. */
  signal?: AbortSignal;
  /** The whole call's budget: waiting for a socket plus the exchange. */
  timeoutMs?: number;
  /** Priority in the acquire queue (higher first). */
  priority?: number;
}

const requestKeys = new Set(['signal', 'timeoutMs', 'priority']);
const poolKeys = new Set(['host', 'port', 'tls', 'connectTimeoutMs', 'keepAlive', 'keepAliveInitialDelayMs', 'noDelay', 'ping', 'reset', 'framing', 'maxFrameBytes', 'requestTimeoutMs', 'pool']);

/**
 * A pool of TCP/TLS sockets with a request/response helper for line or length-prefixed protocols.
 * Everything of @pool/core's `Pool` works too (`use`, `acquire`, `stats`, `close`, events).
 */
export class TcpPool<Reply extends string | Buffer = string> extends Pool<Socket> {
  /** The framing `request` uses. */
  readonly framing: Framing;
  private readonly codec: FrameCodec;
  /** The default per-call deadline of an exchange, in ms. */
  readonly requestTimeoutMs: number;
  private readonly server: { host: string; port: number };

  constructor(provider: TcpProvider, options: { framing: Framing; maxFrameBytes: number; requestTimeoutMs: number; pool?: PoolOptions | undefined }) {
    super(provider, options.pool);
    this.server = { host: provider.options.host, port: provider.options.port };
    this.framing = options.framing;
    this.codec = codecFor(options.framing, options.maxFrameBytes);
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /**
   * Borrows a socket, sends one framed payload, resolves with the reply frame, and gives the socket
   * back. A timeout, an abort or a broken connection after sending destroys that socket (never
   * lent again with a reply in flight) and rejects with POOL_TIMEOUT (phase 'query'), TCP_ABORTED or
   * TCP_CLOSED (a socket is checked with `isBroken` whenever it is lent, so a closed one is never
   * written to). Waiting for a socket fails with @pool/core's
   * POOL_TIMEOUT (phase 'acquire'), POOL_ABORTED, POOL_CREATE_FAILED... Traced on `pool:call`
   * (adapter 'tcp', operation 'request').
   */
  request(payload: string | Uint8Array, options: TcpRequestOptions = {}): Promise<Reply> {
    let frame: Buffer;
    try {
      if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', `Expected request options to be an object, got ${describeValue(options)}`);
      assertKnownKeys(options, requestKeys, 'request');
      // a payload that cannot be framed fails before any socket is borrowed (TCP_INVALID_PAYLOAD)
      frame = this.codec.encode(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const context: CallTraceContext = { pool: this.name, adapter: 'tcp', operation: 'request', server: this.server };
    return traceCall(context, () => this.exchangeOnce(frame, options, performance.now()));
  }

  private async exchangeOnce(frame: Buffer, options: TcpRequestOptions, started: number): Promise<Reply> {
    const left = options.timeoutMs === undefined ? undefined : Math.max(1, options.timeoutMs - (performance.now() - started));
    const acquireOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(left !== undefined ? { timeoutMs: left } : {}), ...(options.priority !== undefined ? { priority: options.priority } : {}) };
    const lease = await this.acquire(acquireOptions);
    const timeoutMs = options.timeoutMs === undefined ? this.requestTimeoutMs : Math.max(1, options.timeoutMs - (performance.now() - started));
    let reply: string | Buffer;
    try {
      reply = await exchangeFrame(lease.resource, frame, this.codec, { framing: this.framing, signal: options.signal, timeoutMs });
    } catch (error) {
      // every failure after borrowing marks the socket broken; release() would retire it too, destroy() records why
      if (isSocketBroken(lease.resource)) lease.destroy(error);
      else lease.release();
      throw error;
    }
    if (isSocketBroken(lease.resource)) lease.destroy(brokenCause(lease.resource));
    else lease.release();
    return reply as Reply;
  }
}

/**
 * A ready-made pool of TCP/TLS sockets for request/response protocols.
 *
 * ```ts
 * const pool = createTcpPool({ host: '127.0.0.1', port: 7000, framing: 'line', pool: { max: 4 } });
 * const reply = await pool.request('GET user:1', { timeoutMs: 1000 });
 * ```
 */
export function createTcpPool(options: TcpPoolOptions & { framing: 'length-prefixed' }): TcpPool<Buffer>;
export function createTcpPool(options: TcpPoolOptions & { framing?: 'line' }): TcpPool<string>;
export function createTcpPool(options: TcpPoolOptions): TcpPool<string | Buffer>;
export function createTcpPool(options: TcpPoolOptions): TcpPool<string | Buffer> {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected an options object with at least `port`');
  assertKnownKeys(options, poolKeys, 'createTcpPool');
  const { framing = 'line', maxFrameBytes, requestTimeoutMs, pool, ...providerOptions } = options;
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || Array.isArray(pool))) {
    throw new PoolOptionError('pool', `Expected \`pool\` to be an object of @pool/core options, got ${describeValue(pool)}`);
  }
  if (framing !== 'line' && framing !== 'length-prefixed') {
    throw new PoolOptionError('framing', `Expected \`framing\` to be 'line' or 'length-prefixed', got ${String(framing)}`);
  }
  const provider = tcpProvider(providerOptions);
  return new TcpPool(provider, {
    framing,
    maxFrameBytes: numberOption(maxFrameBytes, 'maxFrameBytes', DEFAULT_MAX_FRAME_BYTES, { minimum: 1 }),
    requestTimeoutMs: numberOption(requestTimeoutMs, 'requestTimeoutMs', 30_000, { minimum: 1, allowInfinity: true }),
    pool: { ...pool, name: defaultPoolName(pool?.name, `tcp:${provider.options.address}`) },
  });
}
