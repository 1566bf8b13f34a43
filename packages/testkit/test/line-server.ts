import { createServer, type Server, type Socket } from 'node:net';

/**
 * An in-process TCP server speaking a tiny line protocol, standing in for a database in the
 * testkit's own tests. On connect it greets `HELLO <id>`; then per line:
 * `PING` → `PONG`, `ECHO <text>` → `<text>`, `SLEEP <ms>` → `OK` after ms, anything else → `ERR unknown`.
 */
export interface LineServer {
  readonly host: string;
  /** The port, kept across stop()/start(). */
  readonly port: number;
  /** Connections open on the server side, by id. */
  readonly sockets: Map<number, Socket>;
  /** Closes the server side of connection `id` (like pg_terminate_backend). */
  kill(id: number): void;
  /** Stops listening and closes every connection (a server going down). */
  stop(): Promise<void>;
  /** Listens again on the same port (the server coming back). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startLineServer(): Promise<LineServer> {
  const sockets = new Map<number, Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    const id = nextId++;
    sockets.set(id, socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(id));
    socket.write(`HELLO ${id}\n`);
    let buffered = '';
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('utf8');
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        answer(socket, line);
      }
    });
  });

  function answer(socket: Socket, line: string): void {
    const space = line.indexOf(' ');
    const command = space === -1 ? line : line.slice(0, space);
    const arg = space === -1 ? '' : line.slice(space + 1);
    if (command === 'PING') socket.write('PONG\n');
    else if (command === 'ECHO') socket.write(`${arg}\n`);
    else if (command === 'SLEEP') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!socket.destroyed) socket.write('OK\n');
      }, Math.min(Number(arg) || 0, 10_000));
      timers.add(timer);
    } else socket.write('ERR unknown\n');
  }

  let port = 0;
  async function start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    port = address.port;
  }
  async function stop(): Promise<void> {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets.values()) socket.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await start();
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    sockets,
    kill(id) {
      sockets.get(id)?.destroy();
    },
    stop,
    start,
    close: stop,
  };
}
