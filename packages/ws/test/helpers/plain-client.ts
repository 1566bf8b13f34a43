import { WebSocket } from 'ws';

/**
 * The baseline: what a user writes without the pool. One `ws` WebSocket, reconnected on close
 * (100 ms, doubling to 1 s), JSON requests matched by id with a timer per request. A request while
 * the socket is not open fails at once.
 */
export class PlainReconnectingClient {
  ws: WebSocket | undefined;
  private closed = false;
  private delay = 100;
  private nextId = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  /** Sockets opened so far. */
  opened = 0;

  constructor(private readonly url: string) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('error', () => {});
    ws.on('open', () => {
      this.opened++;
      this.delay = 100;
    });
    ws.on('message', (data) => {
      let reply: { id?: string };
      try {
        reply = JSON.parse(String(data));
      } catch {
        return;
      }
      const entry = reply.id === undefined ? undefined : this.pending.get(reply.id);
      entry?.resolve(reply);
    });
    ws.on('close', (code) => {
      for (const entry of [...this.pending.values()]) entry.reject(Object.assign(new Error(`closed (${code})`), { code: 'CLOSED' }));
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(1000, this.delay * 2);
    });
  }

  request(message: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return Promise.reject(Object.assign(new Error('not open'), { code: 'NOT_OPEN' }));
    const id = `p${++this.nextId}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => entry.reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), timeoutMs);
      const entry = {
        resolve: (v: unknown) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(v);
        },
        reject: (e: unknown) => {
          clearTimeout(timer);
          this.pending.delete(id);
          reject(e);
        },
      };
      this.pending.set(id, entry);
      ws.send(JSON.stringify({ ...message, id }), (error) => {
        if (error) entry.reject(Object.assign(new Error('send failed'), { code: 'SEND_FAILED', cause: error }));
      });
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }
}
