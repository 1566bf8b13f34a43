import { get } from 'node:http';
import { startManagedServer, type PrivateServer } from './managed-server.js';

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

/** GET `path` on a fresh connection; the body as text. */
function fetchText(port: number, path: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Starts a disposable HTTP server process on a free loopback port. */
export async function startPrivateHttpServer(): Promise<PrivateHttpServer> {
  return startManagedServer(
    {
      kind: 'http',
      dirPrefix: 'pool-http-',
      async prepare() {},
      command: (_dir, port) => ({ file: process.execPath, args: ['-e', SERVER, String(port)] }),
      async ready(_dir, port, pid) {
        try {
          return (await fetchText(port, '/__pid')) === String(pid);
        } catch {
          return false;
        }
      },
      stopSignal: 'SIGTERM',
      url: (port) => `http://127.0.0.1:${port}`,
    },
    (server) => ({
      kind: 'http' as const,
      closeIdleConnections: async () => Number(await fetchText(server.port, '/__close-idle')),
    }),
  );
}
