import type { Server } from 'node:net';

/** Listens on 127.0.0.1 with an OS-chosen port; resolves the port. */
export function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address after listen'));
      else resolve(address.port);
    });
  });
}

/** Closes a server, resolving even if it was not listening. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
