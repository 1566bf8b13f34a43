import type { Socket } from 'node:net';
import { PoolTimeoutError, unwatchAbort, watchAbort } from '@pool/core';
import { TcpPoolError, describeError } from './errors.js';
import { codecFor, type FrameCodec, type Framing } from './framing.js';
import { breakSocket, brokenCause, isSocketBroken, stopFlow } from './socket-state.js';

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /** How the payload and the reply are delimited. @default 'line' */
  framing?: Framing;
  /** Aborting it fails the exchange with TCP_ABORTED. */
  signal?: AbortSignal | undefined;
  /** Fails the exchange with POOL_TIMEOUT (phase 'query') after this long. @default Infinity */
  timeoutMs?: number | undefined;
  /** Longest reply (and payload) accepted. @default 16777216 (16 MiB) */
  maxFrameBytes?: number;
}

/** Default for `maxFrameBytes`. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Writes one framed request on a pooled socket and resolves with the one reply frame: a string for
 * `'line'` (UTF-8, without the line ending), a Buffer for `'length-prefixed'`. Use it in a `ping`
 * hook or inside `pool.use()`.
 *
 * When it fails after writing (timeout: POOL_TIMEOUT phase 'query', abort, socket closed, frame too large) the socket is marked
 * broken, so the pool destroys it instead of lending it again: a reply still in flight can never
 * reach the next borrower. Bytes that follow the reply also mark it broken (the reply is still returned).
 */
export function exchange(socket: Socket, payload: string | Uint8Array, options?: ExchangeOptions & { framing?: 'line' }): Promise<string>;
export function exchange(socket: Socket, payload: string | Uint8Array, options: ExchangeOptions & { framing: 'length-prefixed' }): Promise<Buffer>;
export function exchange(socket: Socket, payload: string | Uint8Array, options?: ExchangeOptions): Promise<string | Buffer>;
export function exchange(socket: Socket, payload: string | Uint8Array, options: ExchangeOptions = {}): Promise<string | Buffer> {
  const codec = codecFor(options.framing ?? 'line', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  let frame: Buffer;
  try {
    frame = codec.encode(payload);
  } catch (error) {
    return Promise.reject(error);
  }
  return exchangeFrame(socket, frame, codec, options);
}

/** {@link exchange} with the request already encoded (so a caller can refuse a bad payload before borrowing a socket). */
export function exchangeFrame(socket: Socket, frame: Buffer, codec: FrameCodec, options: ExchangeOptions = {}): Promise<string | Buffer> {
  const framing = options.framing ?? 'line';
  const signal = options.signal;
  const timeoutMs = options.timeoutMs ?? Infinity;
  if (signal?.aborted) return Promise.reject(new TcpPoolError('TCP_ABORTED', 'request aborted before it was sent', { cause: signal.reason }));
  if (socket.readableLength > 0) {
    const error = new TcpPoolError('TCP_UNEXPECTED_DATA', `${socket.readableLength} unread byte(s) were waiting on the socket before the request`);
    breakSocket(socket, error);
    return Promise.reject(error);
  }
  if (isSocketBroken(socket) || !socket.writable) {
    return Promise.reject(new TcpPoolError('TCP_CLOSED', 'the socket is closed or broken; nothing was sent', { cause: brokenCause(socket) }));
  }

  return new Promise<string | Buffer>((resolve, reject) => {
    const reader = codec.reader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;

    const finish = () => {
      done = true;
      clearTimeout(timer);
      if (signal !== undefined) unwatchAbort(signal, onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('end', onGone);
      socket.removeListener('close', onGone);
      socket.removeListener('error', onError);
      // stop the flow this listener started, unless someone else is reading too
      if (!socket.destroyed && socket.listenerCount('data') === 0) stopFlow(socket);
    };
    const fail = (error: Error) => {
      if (done) return;
      // the reply may still be on its way: this socket must never serve anyone again
      breakSocket(socket, error);
      finish();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      let body: Buffer | undefined;
      try {
        body = reader.push(chunk);
      } catch (error) {
        fail(error as TcpPoolError);
        return;
      }
      if (body === undefined) return;
      if (reader.leftover > 0) {
        breakSocket(socket, new TcpPoolError('TCP_UNEXPECTED_DATA', `${reader.leftover} byte(s) arrived after the reply`));
      }
      finish();
      resolve(framing === 'line' ? body.toString('utf8') : Buffer.from(body));
    };
    const onGone = () => fail(new TcpPoolError('TCP_CLOSED', 'the connection closed before the reply was complete', { cause: brokenCause(socket) }));
    const onError = (error: unknown) => fail(new TcpPoolError('TCP_CLOSED', `socket error before the reply was complete: ${describeError(error)}`, { cause: error }));
    const onAbort = () => fail(new TcpPoolError('TCP_ABORTED', 'request aborted while waiting for the reply; the connection is discarded', { cause: signal?.reason }));

    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onError);
    if (signal !== undefined) watchAbort(signal, onAbort); // one listener per shared signal
    if (timeoutMs !== Infinity) {
      const started = performance.now();
      timer = setTimeout(() => fail(new PoolTimeoutError('query', Math.round(performance.now() - started), `no complete reply within ${Math.round(timeoutMs)} ms; the connection is discarded, never reused`)), timeoutMs);
    }
    socket.write(frame, (error) => {
      if (error) onError(error);
    });
  });
}
