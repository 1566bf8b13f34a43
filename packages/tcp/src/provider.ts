import type { Socket } from 'node:net';
import { isPoolError, type ResourceProvider } from '@pool/core';
import { connectSocket } from './connect.js';
import { isTcpPoolError, type TcpPoolErrorCode } from './errors.js';
import { resolveTcpOptions, type ResolvedTcpOptions, type TcpProviderOptions } from './options.js';
import { isSocketBroken, reclaimSocket, trackSocket } from './socket-state.js';
import { classifyTcpCreateError } from './classify-create-error.js';
import { flushed } from './flush.js';

/** Error codes after which a socket must not be reused. */
const fatalTcpCodes = new Set<TcpPoolErrorCode>(['TCP_CLOSED', 'TCP_ABORTED', 'TCP_FRAME_TOO_LARGE', 'TCP_UNEXPECTED_DATA']);
/** Node socket error codes that mean the connection is gone. */
const fatalSocketCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_SOCKET_CLOSED']);

/** A provider of TCP (or TLS) sockets, with the resolved options it was built from. */
export interface TcpProvider extends ResourceProvider<Socket> {
  readonly options: Readonly<ResolvedTcpOptions>;
}

function waitOneTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A {@link ResourceProvider} of connected `node:net` sockets (`node:tls` when `tls` is set).
 *
 * - broken: the peer ended (half-closed), closed or errored the socket, or unread bytes sit in its buffer;
 * - validate: your `ping` hook when given (a protocol round trip); otherwise only the socket's state
 *   after one turn of the event loop, which proves nothing about the peer's protocol;
 * - on release: listeners the borrower added are removed (the pool's own put back if removed), the
 *   flow of data stopped, an idle timeout cleared, `noDelay`/`keepAlive` and the write encoding restored;
 *   a socket with unread data, a changed encoding or a corked stream is destroyed; output still queued
 *   is flushed (within the pool's `resetTimeoutMs`, else the socket is destroyed); then your `reset` hook.
 *
 * Throws {@link PoolOptionError} (POOL_INVALID_OPTION) for a bad option.
 */
export function tcpProvider(options: TcpProviderOptions): TcpProvider {
  const resolved = resolveTcpOptions(options);
  const { ping, reset } = resolved;
  return {
    options: resolved,

    async create({ signal }) {
      const socket = await connectSocket(resolved, signal);
      trackSocket(socket, resolved.address, resolved);
      return socket;
    },

    destroy(socket) {
      // a borrower may have removed every 'error' listener: one emitted while closing must not crash the process
      if (socket.listenerCount('error') === 0) socket.on('error', () => {});
      if (socket.closed) return;
      return new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    },

    async validate(socket, ctx) {
      if (isSocketBroken(socket)) return false;
      if (ping === undefined) {
        // let pending 'end' / 'close' / 'error' events arrive before judging
        await waitOneTurn();
        return !isSocketBroken(socket);
      }
      let healthy: boolean | void;
      try {
        healthy = await ping(socket, { signal: ctx.signal, idleMs: ctx.idleMs });
      } catch (error) {
        reclaimSocket(socket);
        throw error;
      }
      // the hook's listeners go, and bytes it left unread make the socket broken
      const clean = reclaimSocket(socket);
      return healthy !== false && clean && !ctx.signal.aborted;
    },

    reset(socket) {
      // synchronous unless output is still queued or there is a user hook: the socket is idle again before release() returns
      if (!reclaimSocket(socket)) return false;
      const hook = () => (reset === undefined ? true : Promise.resolve(reset(socket)).then((ok) => ok !== false && !isSocketBroken(socket)));
      if (socket.writableLength === 0) return hook();
      // a borrower's writes still queued: the next borrower's request must not wait behind them, nor
      // a peer that stopped reading be lent again (the pool's resetTimeoutMs bounds the wait)
      return flushed(socket).then((ok) => (ok && !isSocketBroken(socket) ? hook() : false));
    },

    isBroken: isSocketBroken,

    classifyCreateError: classifyTcpCreateError,

    isFatal(error) {
      if (isTcpPoolError(error)) return fatalTcpCodes.has(error.code);
      // a request past its deadline: its reply may still come
      if (isPoolError(error, 'POOL_TIMEOUT')) return (error as { phase?: unknown }).phase === 'query';
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' && fatalSocketCodes.has(code);
    },
  };
}
