import { createServer, type Server, type Socket } from 'node:net';

/** An in-process TCP echo server on 127.0.0.1:<random>, for the fault proxy's own tests. */
export interface EchoServer {
  host: string;
  port: number;
  /** Server-side sockets open right now. */
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    host: '127.0.0.1',
    port: address.port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
