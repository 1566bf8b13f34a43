import { restoreEveryListener } from '@pool/core/adapter-kit';
import { WebSocket } from 'ws';
import { WsPoolError } from './errors.js';

type Listener = (...args: unknown[]) => void;

interface WsState {
  broken: boolean;
  cause: unknown;
  /** The listeners present when the pool took the socket over; anything else was added by a borrower. */
  readonly baseline: Map<string | symbol, Function[]>;
  /** `binaryType` when the pool took the socket over ('nodebuffer'), given back to every borrower. */
  readonly binaryType: WebSocket['binaryType'];
}

const states = new WeakMap<WebSocket, WsState>();

/**
 * Starts tracking an open WebSocket: 'close' and 'error' mark it broken (and an 'error' listener is
 * always there, so an idle socket's error never crashes the process); the listeners present now are
 * recorded as the pool's own.
 */
export function trackWebSocket(ws: WebSocket, safeUrl: string): void {
  const state: WsState = { broken: false, cause: undefined, baseline: new Map(), binaryType: ws.binaryType };
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

/**
 * Takes a socket back from a borrower: removes every listener added since {@link trackWebSocket}
 * (the borrower's `on('message')`, `onmessage`...), puts back the pool's own if the borrower removed
 * them (`ws.removeAllListeners('message')` would silence request/reply, `removeAllListeners()` would
 * let an idle socket's 'error' crash the process), and gives `binaryType` its initial value (a
 * borrower's 'arraybuffer' or 'blob' must not reach the next one, nor the reply router).
 */
export function reclaimWebSocket(ws: WebSocket): void {
  const state = states.get(ws);
  if (state === undefined) return;
  restoreEveryListener(ws, state.baseline);
  if (ws.binaryType !== state.binaryType) ws.binaryType = state.binaryType;
}

/** Adds a listener that counts as the pool's own (kept across borrowers), e.g. the request router. */
export function addOwnListener(ws: WebSocket, event: string, listener: Listener): void {
  ws.on(event, listener);
  const state = states.get(ws);
  if (state !== undefined) state.baseline.set(event, ws.rawListeners(event));
}
