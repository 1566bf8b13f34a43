import { startManagedServer, type PrivateServer } from './managed-server.js';
import { httpText, nodeScriptRecipe } from './node-script.js';

/** A node:http server in its own process (so it can be restarted, frozen with SIGSTOP, or crashed). */
export interface PrivateHttpServer extends PrivateServer {
  readonly kind: 'http';
  /** Closes the keep-alive connections that carry no request now (`server.closeIdleConnections()`); returns how many were open. */
  closeIdleConnections(): Promise<number>;
}

// The server: every path answers `ok`, except two control paths. SIGTERM is a clean shutdown: no new
// connections, idle ones closed at once, requests in flight get 50 ms to finish.
const SERVER = `
const http = require('node:http');
const port = Number(process.argv[1]);
const sockets = new Set();
const server = http.createServer((req, res) => {
  if (req.url === '/__pid') return void res.end(String(process.pid));
  if (req.url === '/__close-idle') {
    const open = sockets.size - 1;
    server.closeIdleConnections();
    return void res.end(String(open));
  }
  res.end('ok');
});
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 50);
});
`;

/** Starts a disposable HTTP server process on a free loopback port. */
export async function startPrivateHttpServer(): Promise<PrivateHttpServer> {
  return startManagedServer(
    nodeScriptRecipe('http', SERVER, [], (port) => httpText(port, '/__pid'), (port) => `http://127.0.0.1:${port}`),
    (server) => ({
      kind: 'http' as const,
      closeIdleConnections: async () => Number(await httpText(server.port, '/__close-idle')),
    }),
  );
}
