import { WebSocket } from 'ws';
import { WsPoolError, describeError } from './errors.js';
import type { ResolvedWsOptions } from './options.js';
import type { ConnectHold } from './connect-hold.js';
import { scrubError, scrubText } from '@pool/core/adapter-kit';

/**
 * Opens one WebSocket and resolves once it is OPEN. Rejects with a {@link WsPoolError}
 * (WS_CONNECT_FAILED, WS_HANDSHAKE_TIMEOUT or WS_ABORTED; ws's error as `cause`, scrubbed of
 * credentials) and terminates the half-open socket. With `hold`, the connect's socket keeps the
 * process alive only while a caller waits for it.
 */
export function connectWebSocket(options: ResolvedWsOptions, signal: AbortSignal, hold?: ConnectHold): Promise<WebSocket> {
  const { safeUrl, secrets } = options;
  if (signal.aborted) {
    return Promise.reject(new WsPoolError('WS_ABORTED', `connect to ${safeUrl} aborted before it started`, { cause: signal.reason, url: safeUrl }));
  }
  return new Promise<WebSocket>((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(options.url, options.protocols, { ...options.clientOptions, headers: options.headers });
    } catch (error) {
      const safe = scrubError(error, secrets);
      reject(new WsPoolError('WS_CONNECT_FAILED', `cannot open a WebSocket to ${safeUrl}: ${scrubText(describeError(safe), secrets)}`, { cause: safe, url: safeUrl }));
      return;
    }
    // while in flight, holds the process only as long as a caller waits (see ConnectHold)
    hold?.connecting(ws);
    let timer: ReturnType<typeof setTimeout> | undefined;
    // always there, also after a failure: a late error on the dying socket must not crash the process
    ws.on('error', () => {});
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ws.removeListener('open', onOpen);
      ws.removeListener('error', onError);
      ws.removeListener('close', onClose);
    };
    const fail = (error: WsPoolError) => {
      cleanup();
      ws.terminate();
      reject(error);
    };
    const onOpen = () => {
      cleanup();
      hold?.settled(ws);
      hideCredentials(ws);
      resolve(ws);
    };
    const onError = (error: unknown) => {
      const safe = scrubError(error, secrets);
      fail(new WsPoolError('WS_CONNECT_FAILED', `WebSocket connect to ${safeUrl} failed: ${scrubText(describeError(safe), secrets)}`, { cause: safe, url: safeUrl }));
    };
    const onClose = (code: number) => {
      fail(new WsPoolError('WS_CONNECT_FAILED', `WebSocket to ${safeUrl} closed before it opened (code ${code})`, { url: safeUrl, closeCode: code }));
    };
    const onAbort = () => {
      fail(new WsPoolError('WS_ABORTED', `connect to ${safeUrl} aborted: ${scrubText(describeError(signal.reason), secrets)}`, { cause: signal.reason, url: safeUrl }));
    };
    ws.once('open', onOpen);
    ws.on('error', onError);
    ws.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.handshakeTimeoutMs !== Infinity) {
      const ms = options.handshakeTimeoutMs;
      timer = setTimeout(() => fail(new WsPoolError('WS_HANDSHAKE_TIMEOUT', `WebSocket handshake with ${safeUrl} did not finish within ${ms} ms`, { url: safeUrl })), ms);
      timer.unref?.();
    }
  });
}

/**
 * ws keeps the URL it was given, user info included, in `_url`: still readable (`ws.url`), but kept
 * out of console.log / util.inspect of the socket and of a pool holding it.
 */
function hideCredentials(ws: WebSocket): void {
  const record = ws as unknown as Record<string, unknown>;
  if (typeof record._url !== 'string') return;
  try {
    Object.defineProperty(ws, '_url', { value: record._url, enumerable: false, writable: true, configurable: true });
  } catch {
    // not configurable in this ws version: nothing to do
  }
}
