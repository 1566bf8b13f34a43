import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { WsPoolError } from './errors.js';
import { brokenCause, isWebSocketBroken } from './socket-state.js';

/**
 * Sends a WebSocket ping frame with a random 8-byte payload and resolves `true` when the pong
 * echoing that payload arrives. Rejects with WS_PING_TIMEOUT when `signal` aborts first and WS_CLOSED
 * when the socket closes. Pongs to earlier pings (a different payload) are ignored.
 */
export function pingWebSocket(ws: WebSocket, signal: AbortSignal, safeUrl: string): Promise<boolean> {
  if (isWebSocketBroken(ws)) return Promise.resolve(false);
  const payload = randomBytes(8);
  return new Promise<boolean>((resolve, reject) => {
    const cleanup = () => {
      ws.removeListener('pong', onPong);
      ws.removeListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onPong = (data: Buffer) => {
      if (!payload.equals(data)) return;
      cleanup();
      resolve(true);
    };
    const onClose = (code: number) => {
      cleanup();
      reject(new WsPoolError('WS_CLOSED', `WebSocket to ${safeUrl} closed (code ${code}) while waiting for a pong`, { url: safeUrl, closeCode: code, cause: brokenCause(ws) }));
    };
    const onAbort = () => {
      cleanup();
      reject(new WsPoolError('WS_PING_TIMEOUT', `no pong from ${safeUrl} before the check was cut short`, { url: safeUrl, cause: signal.reason }));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    ws.on('pong', onPong);
    ws.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    ws.ping(payload, undefined, (error) => {
      if (error) {
        cleanup();
        reject(new WsPoolError('WS_CLOSED', `could not send a ping to ${safeUrl}`, { url: safeUrl, cause: error }));
      }
    });
  });
}
