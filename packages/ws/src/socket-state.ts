import { WebSocket } from 'ws';
import { WsPoolError } from './errors.js';

type Listener = (...args: unknown[]) => void;

interface WsState {
  broken: boolean;
  cause: unknown;
  /** The listeners present when the pool took the socket over; anything else was added by a borrower. */
  readonly baseline: Map<string | symbol, Function[]>;
}

const states = new WeakMap<WebSocket, WsState>();

/**
 * Starts tracking an open WebSocket: 'close' and 'error' mark it broken (and an 'error' listener is
 * always there, so an idle socket's error never crashes the process); the listeners present now are
 * recorded as the pool's own.
 */
export function trackWebSocket(ws: WebSocket, safeUrl: string): void {
  const state: WsState = { broken: false, cause: undefined, baseline: new Map() };
  ws.on('error', (error: unknown) => breakWebSocket(ws, error));
  ws.on('close', (code: number) => breakWebSocket(ws, new WsPoolError('WS_CLOSED', `WebSocket to ${safeUrl} closed (code ${code})`, { url: safeUrl, closeCode: code })));
  for (const name of ws.eventNames()) state.baseline.set(name, ws.rawListeners(name));
  states.set(ws, state);
}

/** Marks a socket as never to be reused, keeping the first reason. */
export function breakWebSocket(ws: WebSocket, cause: unknown): void {
  const state = states.get(ws);
  if (state === undefined) return;
  if (!state.broken) state.cause = cause;
  state.broken = true;
}

/** Why the socket broke, if it did. */
export function brokenCause(ws: WebSocket): unknown {
  return states.get(ws)?.cause;
}

/** Cheap and synchronous: closed, closing, errored, or paused by a borrower (its buffered messages belong to no one). */
export function isWebSocketBroken(ws: WebSocket): boolean {
  const state = states.get(ws);
  return state === undefined || state.broken || ws.readyState !== WebSocket.OPEN || ws.isPaused;
}

/** Removes every listener added since {@link trackWebSocket} (the borrower's `on('message')`, `onmessage`...). */
export function removeBorrowerListeners(ws: WebSocket): void {
  const state = states.get(ws);
  if (state === undefined) return;
  for (const name of ws.eventNames()) {
    const own = state.baseline.get(name);
    for (const listener of ws.rawListeners(name)) {
      if (own === undefined || !own.includes(listener)) ws.removeListener(name, listener as Listener);
    }
  }
}

/** Adds a listener that counts as the pool's own (kept across borrowers), e.g. the request router. */
export function addOwnListener(ws: WebSocket, event: string, listener: Listener): void {
  ws.on(event, listener);
  const state = states.get(ws);
  if (state !== undefined) state.baseline.set(event, ws.rawListeners(event));
}
