import type { Redis } from 'ioredis';

/**
 * True while a connection can take a command: ioredis says `ready` and its socket is still writable.
 *
 * `status` alone lags: `client.disconnect()` (a borrower closing its connection before release)
 * only ends the socket and leaves `status` at `ready` until the server's FIN arrives. Judged by
 * `status`, such a connection went back to the pool and the next borrower's first command failed
 * with "Stream isn't writeable".
 */
export function isOpen(client: Redis): boolean {
  if (client.status !== 'ready') return false;
  const stream = (client as unknown as { stream?: { destroyed?: boolean; writable?: boolean } | null }).stream;
  return stream !== undefined && stream !== null && stream.destroyed !== true && stream.writable !== false;
}
