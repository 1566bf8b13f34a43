import type { Socket } from 'node:net';
import { Client } from 'undici';
import { HttpPoolError } from './errors.js';
import type { ParsedOrigin } from './origin.js';

/**
 * One pooled resource: an undici `Client` bound to exactly one socket. The client is handed the
 * socket the provider opened, and refuses to reconnect once that socket closes (the pool replaces
 * the whole resource instead), so pool size equals open connections and `broken` is exact.
 */
export class HttpConnection {
  /** The undici client; use it like any `Dispatcher` while you hold the lease. */
  readonly client: Client;
  /** The origin, redacted. */
  readonly origin: string;
  /** When the socket was opened (ms since epoch). */
  readonly createdAt: number = Date.now();
  /** Requests the pooled dispatcher sent on this connection so far (health checks and direct `client` use are not counted). */
  requests = 0;
  /** When the last request on it finished (performance.now()), or 0. */
  lastDoneAt = 0;
  /** @internal The request of the pooled dispatcher it carries now, if any (for the message of a POOL_TIMEOUT: see `bodyPausedAt`). */
  holder: { readonly bodyPausedAt: number } | null = null;
  /** How long opening the socket took (ms; TCP, plus TLS and DNS): the connection's round-trip estimate. */
  readonly connectMs: number;
  private socket: Socket | null;
  /** The same socket for the connection's whole life: undici destroys it synchronously (before 'close') when it will not reuse it. */
  private readonly ownSocket: Socket;
  private socketClosed = false;

  constructor(origin: ParsedOrigin, socket: Socket, clientOptions: Client.Options, connectMs = 0) {
    this.origin = origin.display;
    this.connectMs = connectMs;
    this.socket = socket;
    this.ownSocket = socket;
    socket.once('close', () => {
      this.socketClosed = true;
    });
    // an error on a socket the client has not adopted yet must not crash the process; 'close' follows
    socket.on('error', noop);
    let handedOver = false;
    this.client = new Client(origin.origin, {
      ...clientOptions,
      // undici calls its connector from inside its dispatch loop and expects the callback later, as a real connect would
      connect: (_options, callback) => {
        const fresh = this.socket;
        if (!handedOver && fresh !== null && !this.socketClosed) {
          handedOver = true;
          this.socket = null;
          process.nextTick(callback, null, fresh);
          return;
        }
        const error = new HttpPoolError('HTTP_CONNECTION_CLOSED', `the pooled connection to ${this.origin} is closed; the request was not sent`, { origin: this.origin });
        process.nextTick(callback, error, null);
      },
    });
    // the client reports connection errors through its requests; idle errors are not thrown
    this.client.on('connectionError', noop);
  }

  /**
   * True once the socket closed or is closing, or the client was closed or destroyed: never hand it
   * out again. "Closing" matters: after a `Connection: close` response, a HEAD or a `reset: true`
   * request, undici destroys the socket right after the response's last callback, and its 'close'
   * event comes a tick later.
   */
  get broken(): boolean {
    return this.socketClosed || this.ownSocket.destroyed || this.client.destroyed || this.client.closed;
  }

  /** Destroys the client and its socket at once; requests on it fail with `reason` (undici's ClientDestroyedError without one). */
  async destroy(reason?: Error): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    await this.client.destroy(reason ?? null);
  }
}

function noop(): void {}
