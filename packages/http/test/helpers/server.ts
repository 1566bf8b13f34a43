import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, socketRequests: number) => void;

/** An in-process node:http server on 127.0.0.1 (or another loopback address) that counts connections and can be killed and restarted on its port. */
export interface TestServer {
  readonly port: number;
  readonly origin: string;
  /** Connections accepted since start. */
  connections: number;
  /** Requests served since start, by path. */
  requests: Map<string, number>;
  handler: Handler;
  /** Closes the listener and destroys every open socket. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
  readonly server: Server;
}

export const defaultHandler: Handler = (req, res) => {
  if (req.url === '/health') {
    res.writeHead(204).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, path: req.url, body: Buffer.concat(chunks).toString(), authorization: req.headers.authorization ?? null }));
  });
};

/** The default handler, answering paths under `/slow` after `delayMs` (to keep connections busy). */
export function slowPaths(delayMs: number): Handler {
  return (req, res, count) => {
    if (req.url?.startsWith('/slow')) setTimeout(() => defaultHandler(req, res, count), delayMs);
    else defaultHandler(req, res, count);
  };
}

export async function startServer(handler: Handler = defaultHandler, port = 0, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const perSocket = new WeakMap<Socket, number>();
  let server!: Server;
  const state: TestServer = {
    port: 0,
    origin: '',
    connections: 0,
    requests: new Map(),
    handler,
    get server() {
      return server;
    },
    async kill() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restart() {
      await listen(state.port);
    },
    async close() {
      if (server.listening) await state.kill();
    },
  };
  const listen = async (onPort: number) => {
    server = createServer((req, res) => {
      const socket = req.socket;
      const count = (perSocket.get(socket) ?? 0) + 1;
      perSocket.set(socket, count);
      state.requests.set(req.url ?? '', (state.requests.get(req.url ?? '') ?? 0) + 1);
      state.handler(req, res, count);
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket: Socket) => {
      state.connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, host, () => resolve());
    });
    (state as { port: number }).port = (server.address() as AddressInfo).port;
    (state as { origin: string }).origin = `http://${host}:${state.port}`;
  };
  await listen(port);
  return state;
}

/** Waits until `check()` is true, polling every 10 ms, failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
