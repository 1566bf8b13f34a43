import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** How often, while a connect is in flight, the pool looks whether a caller still waits. */
export const DEMAND_CHECK_MS = 50;

/**
 * Whether the connects in flight keep the process alive. A connect the pool keeps running after its
 * only caller gave up (its deadline passed, its signal fired), to serve the next caller, held the
 * process until `handshakeTimeoutMs` (10 s) against a server that never answers the upgrade: a script
 * that gave up did not exit. With a demand to follow (a {@link WsPool} knows whether callers wait),
 * the sockets of connects in flight are ref'd only while a caller waits, and unref'd within
 * {@link DEMAND_CHECK_MS} once none does; a caller that arrives refs them again at once. An opened
 * socket is ref'd again: an idle socket holds the process as a plain `ws` socket does.
 *
 * Without a demand (a raw @pool/core pool of `wsProvider`, which cannot tell whether anyone waits,
 * and the `min` connects a WsPool starts while it is being built) every connect holds the process,
 * as before.
 */
export class ConnectHold {
  private readonly sockets = new Set<Socket>();
  private demand: (() => boolean) | undefined;
  private held = true;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** From now on, connects hold the process only while `demand()` says a caller waits. */
  follow(demand: () => boolean): void {
    this.demand = demand;
  }

  /** Follows the socket of `ws`, a connect just started, until `settled`. */
  connecting(ws: WebSocket): void {
    if (this.demand === undefined) return;
    // ws's handshake request; its socket comes a tick later (and after a DNS lookup)
    const request = (ws as unknown as { _req?: { once(event: 'socket', fn: (socket: Socket) => void): void } | null })._req;
    request?.once('socket', (socket: Socket) => {
      if (socket.destroyed) return;
      this.sockets.add(socket);
      socket.once('close', () => this.forget(socket));
      this.check();
      if (!this.held) socket.unref();
      this.timer ??= setInterval(() => this.check(), DEMAND_CHECK_MS);
      this.timer.unref?.();
    });
  }

  /** The connect of `ws` settled: opened (its socket holds the process again, as any open socket), or failed. */
  settled(ws: WebSocket): void {
    if (this.demand === undefined) return;
    const socket = (ws as unknown as { _socket?: Socket | null })._socket;
    if (socket !== undefined && socket !== null) {
      this.forget(socket);
      socket.ref();
    }
  }

  /** A caller arrived and may wait for a connect in flight: hold the process for it now. */
  wanted(): void {
    if (this.held || this.sockets.size === 0) return;
    this.held = true;
    for (const socket of this.sockets) socket.ref();
  }

  private forget(socket: Socket): void {
    this.sockets.delete(socket);
    if (this.sockets.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private check(): void {
    const held = this.demand === undefined || this.demand();
    if (held === this.held) return;
    this.held = held;
    for (const socket of this.sockets) {
      if (held) socket.ref();
      else socket.unref();
    }
  }
}

const holds = new WeakMap<object, ConnectHold>();

/** Gives `provider` its hold (see {@link connectHoldOf}). */
export function giveConnectHold(provider: object, hold: ConnectHold): void {
  holds.set(provider, hold);
}

/** The hold of a provider made by `wsProvider`, for the pool that knows whether callers wait. */
export function connectHoldOf(provider: object): ConnectHold | undefined {
  return holds.get(provider);
}
