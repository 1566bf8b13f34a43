import { restoreEveryListener } from '@pool/core/adapter-kit';
import type { Socket } from 'node:net';
import { TcpPoolError } from './errors.js';

/** What the provider knows about one of its sockets. */
interface SocketState {
  /** Set by 'end', 'close', 'error', or a request that left a reply in flight: never hand it out again. */
  broken: boolean;
  /** Why it broke (the first cause). */
  cause: unknown;
  /** The listeners present when the pool took the socket over; anything else was added by a borrower. */
  readonly baseline: Map<string | symbol, Function[]>;
  /** The socket options the pool set at connect, given back to every borrower. */
  readonly settings: SocketSettings;
}

/** Socket options the pool sets at connect and puts back on release. */
export interface SocketSettings {
  readonly noDelay: boolean;
  readonly keepAlive: boolean;
  readonly keepAliveInitialDelayMs: number;
}

const states = new WeakMap<Socket, SocketState>();

/**
 * Starts tracking a connected socket: listens for 'error' (so an idle socket's error never crashes
 * the process), 'end' (the peer half-closed) and 'close', and records the listeners present now as
 * the pool's own.
 */
export function trackSocket(socket: Socket, address: string, settings: SocketSettings): void {
  const state: SocketState = { broken: false, cause: undefined, baseline: new Map(), settings };
  socket.on('error', (error: unknown) => breakSocket(socket, error));
  socket.on('end', () => breakSocket(socket, new TcpPoolError('TCP_CLOSED', `${address} ended the connection`, { address })));
  socket.on('close', () => breakSocket(socket, new TcpPoolError('TCP_CLOSED', `connection to ${address} closed`, { address })));
  for (const name of socket.eventNames()) state.baseline.set(name, socket.rawListeners(name));
  states.set(socket, state);
}

/** Marks a socket as never to be reused, keeping the first reason. */
export function breakSocket(socket: Socket, cause: unknown): void {
  const state = states.get(socket);
  if (state === undefined) return;
  if (!state.broken) state.cause = cause;
  state.broken = true;
}

/** Why the socket broke, if it did. */
export function brokenCause(socket: Socket): unknown {
  return states.get(socket)?.cause;
}

/**
 * Cheap and synchronous: the peer ended, closed or errored it; it was destroyed or its writable side
 * ended; or unread bytes sit in its buffer (someone else's reply, or data the peer sent while idle).
 */
export function isSocketBroken(socket: Socket): boolean {
  const state = states.get(socket);
  return state === undefined || state.broken || socket.destroyed || !socket.writable || socket.readableEnded || socket.readableLength > 0;
}

/**
 * Takes a socket back from a borrower (or a ping hook): removes every listener added since
 * {@link trackSocket} and puts the pool's own back if the borrower removed them (after
 * `socket.removeAllListeners()` an idle socket's 'error' would crash the process), stops the flow of
 * 'data' (so bytes that arrive while idle stay in the buffer, where {@link isSocketBroken} sees
 * them), clears an idle timeout the borrower set, and gives back the pool's `noDelay` and
 * `keepAlive`, the default write encoding ('utf8') and a ref'd handle (after a borrower's `unref()`). Returns false when the socket cannot be made
 * clean: it is broken, its read encoding was changed, or it is corked.
 */
export function reclaimSocket(socket: Socket): boolean {
  const state = states.get(socket);
  if (state === undefined) return false;
  restoreEveryListener(socket, state.baseline);
  stopFlow(socket);
  if (socket.timeout !== undefined && socket.timeout > 0) socket.setTimeout(0);
  if (socket.readableEncoding !== null || socket.writableCorked > 0) return false;
  if (isSocketBroken(socket)) return false;
  // both are no-ops unless a borrower changed them (Node remembers what it set)
  socket.setNoDelay(state.settings.noDelay);
  socket.setKeepAlive(state.settings.keepAlive, state.settings.keepAliveInitialDelayMs);
  socket.setDefaultEncoding('utf8');
  // a borrower's unref() must not let the process exit under the next borrower's request
  socket.ref();
  return true;
}

/**
 * Stops the flow of 'data' events and puts the stream back in its initial state, so that bytes
 * arriving now stay buffered (visible to {@link isSocketBroken}) and the next `on('data')` starts
 * the flow again.
 */
export function stopFlow(socket: Socket): void {
  if (socket.readableFlowing === true) socket.pause();
  (socket as { readableFlowing: boolean | null }).readableFlowing = null;
}
