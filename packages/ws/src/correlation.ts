import type { RawData, WebSocket } from 'ws';
import { PoolTimeoutError, unwatchAbort, watchAbort } from '@pool/core';
import { WsPoolError } from './errors.js';
import { addOwnListener, brokenCause } from './socket-state.js';

interface Pending {
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * Matches JSON replies to requests by an id field. One router serves a whole pool: it installs a
 * 'message' and a 'close' listener on each socket (as the pool's own, kept across borrowers), keeps
 * the requests waiting on each socket, and drops replies whose id nobody waits for (late replies to
 * timed-out requests), counting them.
 */
export class CorrelationRouter {
  /** Replies that matched no waiting request (late, or unsolicited) and were dropped. */
  dropped = 0;
  private readonly waiting = new WeakMap<WebSocket, Map<unknown, Pending>>();

  constructor(private readonly idField: string, private readonly safeUrl: string) {}

  /** Installs the router's listeners on a new socket. */
  install(ws: WebSocket): void {
    const pending = new Map<unknown, Pending>();
    this.waiting.set(ws, pending);
    addOwnListener(ws, 'message', (data: unknown) => this.onMessage(pending, data as RawData));
    addOwnListener(ws, 'close', (code: unknown) => {
      const error = new WsPoolError('WS_CLOSED', `WebSocket to ${this.safeUrl} closed (code ${String(code)}) before the reply arrived`, { url: this.safeUrl, closeCode: code as number, cause: brokenCause(ws) });
      for (const entry of [...pending.values()]) entry.reject(error);
    });
  }

  /** How many requests wait for their reply on `ws`. */
  pendingOn(ws: WebSocket): number {
    return this.waiting.get(ws)?.size ?? 0;
  }

  /**
   * Sends `text` (which carries `id`) and resolves with the parsed reply whose id field equals `id`.
   * Rejects with POOL_TIMEOUT (phase 'query'), WS_ABORTED or WS_CLOSED; the id is forgotten then, so a late
   * reply is dropped.
   */
  send(ws: WebSocket, id: unknown, text: string, options: { signal?: AbortSignal | undefined; timeoutMs: number }): Promise<unknown> {
    const pending = this.waiting.get(ws);
    if (pending === undefined) return Promise.reject(new TypeError('this WebSocket does not belong to this pool'));
    const { signal, timeoutMs } = options;
    const safeUrl = this.safeUrl;
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        if (signal !== undefined) unwatchAbort(signal, onAbort);
        if (pending.get(id) === entry) pending.delete(id);
      };
      const entry: Pending = {
        resolve(reply) {
          done();
          resolve(reply);
        },
        reject(error) {
          done();
          reject(error);
        },
      };
      const onAbort = () => entry.reject(new WsPoolError('WS_ABORTED', 'request aborted while waiting for its reply', { url: safeUrl, cause: signal?.reason }));
      if (signal?.aborted) {
        onAbort();
        return;
      }
      if (pending.has(id)) {
        reject(new WsPoolError('WS_INVALID_MESSAGE', `a request with ${this.idField} ${JSON.stringify(id)} is already waiting on this socket`, { url: safeUrl }));
        return;
      }
      pending.set(id, entry);
      if (signal !== undefined) watchAbort(signal, onAbort); // one listener per shared signal
      if (timeoutMs !== Infinity) {
        const started = performance.now();
        timer = setTimeout(() => entry.reject(new PoolTimeoutError('query', Math.round(performance.now() - started), `no reply with ${this.idField} ${JSON.stringify(id)} from ${safeUrl} within ${Math.round(timeoutMs)} ms`)), timeoutMs);
      }
      ws.send(text, (error) => {
        if (error) entry.reject(new WsPoolError('WS_CLOSED', `could not send the request to ${safeUrl}`, { url: safeUrl, cause: error }));
      });
    });
  }

  private onMessage(pending: Map<unknown, Pending>, data: RawData): void {
    if (pending.size === 0) {
      this.dropped++;
      return;
    }
    // text or binary frames alike: a reply is any message that parses as JSON and carries a waiting id
    let reply: unknown;
    try {
      reply = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    } catch {
      this.dropped++;
      return;
    }
    const id = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)[this.idField] : undefined;
    const entry = pending.get(id);
    if (entry === undefined) {
      this.dropped++;
      return;
    }
    entry.resolve(reply);
  }
}
