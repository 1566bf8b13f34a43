import type { ResourceProvider } from '@pool/core';
import type { WebSocket } from 'ws';
import { connectWebSocket } from './connect.js';
import { ConnectHold, giveConnectHold } from './connect-hold.js';
import { isWsPoolError, type WsPoolErrorCode } from './errors.js';
import { resolveWsOptions, type ResolvedWsOptions, type WsProviderOptions } from './options.js';
import { pingWebSocket } from './ping.js';
import { isWebSocketBroken, reclaimWebSocket, trackWebSocket } from './socket-state.js';
import { classifyWsCreateError } from './classify-create-error.js';

const fatalWsCodes = new Set<WsPoolErrorCode>(['WS_CLOSED', 'WS_PING_TIMEOUT', 'WS_ABORTED']);
const fatalSocketCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** A provider of open `ws` WebSockets, with the resolved options it was built from. */
export interface WsProvider extends ResourceProvider<WebSocket> {
  readonly options: Readonly<ResolvedWsOptions>;
}

/** Resolves once everything queued before now has been written to the socket (a ping frame's write callback), or false if the socket fails first. */
function flushed(ws: WebSocket): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    ws.ping(undefined, undefined, (error) => resolve(error === undefined || error === null));
  });
}

/**
 * A {@link ResourceProvider} of open WebSockets on `ws`.
 *
 * - broken: the socket closed, errored, or was left paused;
 * - validate: a WebSocket ping frame, and its pong within the pool's `validateTimeoutMs`;
 * - on release: listeners the borrower added are removed (the pool's own put back if removed),
 *   `binaryType` restored; outgoing data still buffered is flushed
 *   (within the pool's `resetTimeoutMs`, else the socket is destroyed); then your `reset` hook;
 * - destroy: a close frame (1000), and `terminate()` if the server has not answered within `closeTimeoutMs`; a
 *   socket already broken (closed, errored, or given up on after a request went unanswered) is terminated at once.
 *
 * Throws {@link PoolOptionError} (POOL_INVALID_OPTION) for a bad option.
 */
export function wsProvider(options: WsProviderOptions): WsProvider {
  const resolved = resolveWsOptions(options);
  const { safeUrl, reset, closeTimeoutMs } = resolved;
  const hold = new ConnectHold();
  const provider: WsProvider = {
    options: resolved,

    async create({ signal }) {
      const ws = await connectWebSocket(resolved, signal, hold);
      trackWebSocket(ws, safeUrl);
      return ws;
    },

    destroy(ws) {
      // a borrower may have removed every 'error' listener: one emitted while closing must not crash the process
      if (ws.listenerCount('error') === 0) ws.on('error', () => {});
      if (ws.readyState === ws.CLOSED) return;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => ws.terminate(), closeTimeoutMs);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        if (ws.readyState === ws.OPEN && !isWebSocketBroken(ws)) ws.close(1000);
        else if (ws.readyState !== ws.CLOSING) ws.terminate();
      });
    },

    validate(ws, { signal }) {
      return pingWebSocket(ws, signal, safeUrl);
    },

    reset(ws) {
      reclaimWebSocket(ws);
      if (isWebSocketBroken(ws)) return false;
      const hook = () => (reset === undefined ? true : Promise.resolve(reset(ws)).then((ok) => ok !== false && !isWebSocketBroken(ws)));
      if (ws.bufferedAmount === 0) return hook();
      return flushed(ws).then((ok) => (ok && !isWebSocketBroken(ws) ? hook() : false));
    },

    isBroken: isWebSocketBroken,

    classifyCreateError: classifyWsCreateError,

    isFatal(error) {
      if (isWsPoolError(error)) return fatalWsCodes.has(error.code);
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' && fatalSocketCodes.has(code);
    },
  };
  giveConnectHold(provider, hold);
  return provider;
}
