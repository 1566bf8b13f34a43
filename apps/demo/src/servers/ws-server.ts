import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { EmbeddedServer } from './line-server.js';
import { closeServer, listenLoopback } from './listen.js';

/** A `ws` echo server: every message comes back as sent. Answers pings (ws does by default). */
export async function startWsServer(): Promise<EmbeddedServer> {
  const http = createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const port = await listenLoopback(http);
  return {
    host: '127.0.0.1',
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await closeServer(http);
    },
  };
}
