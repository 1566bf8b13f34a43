import { createServer, type Socket } from 'node:net';
import { closeServer, listenLoopback } from './listen.js';

/** An embedded server, running on 127.0.0.1. */
export interface EmbeddedServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A TCP line server: each `\n`-terminated line gets one reply line. `PING` → `PONG`,
 * `ECHO <text>` → `<text>`, `SUM a b ...` → their sum, anything else → `ERR unknown command`.
 */
export async function startLineServer(): Promise<EmbeddedServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a client vanishing is normal here (the fault proxy closes links)
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!socket.writable) return;
        socket.write(`${reply(line)}\n`);
      }
    });
  });
  const port = await listenLoopback(server);
  return {
    host: '127.0.0.1',
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

function reply(line: string): string {
  if (line === 'PING') return 'PONG';
  if (line.startsWith('ECHO ')) return line.slice(5);
  if (line.startsWith('SUM ')) return String(line.slice(4).split(' ').reduce((a, b) => a + Number(b), 0));
  return 'ERR unknown command';
}
