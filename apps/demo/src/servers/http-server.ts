import { createServer } from 'node:http';
import type { EmbeddedServer } from './line-server.js';
import { closeServer, listenLoopback } from './listen.js';

/** A node:http server with keep-alive: `GET /health`, `GET /hello`, `POST /echo`; 404 otherwise. */
export async function startHttpServer(): Promise<EmbeddedServer> {
  const server = createServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(204).end();
    if (req.url === '/hello' && req.method === 'GET') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world', at: Date.now() }));
    }
    if (req.url === '/echo' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.concat(chunks)));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 30_000;
  const port = await listenLoopback(server);
  return {
    host: '127.0.0.1',
    port,
    async close() {
      server.closeAllConnections();
      await closeServer(server);
    },
  };
}
