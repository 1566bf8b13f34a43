import type { Redis } from 'ioredis';

/**
 * Closes a connection at once: `disconnect()` (no reconnect) and then destroys its socket.
 * `disconnect()` alone only half-closes the socket (FIN) and waits for the server's; a server that
 * is hung or blackholed never sends it, so the client would stay `ready`, a connect would never
 * settle, and the open socket would keep the process alive. Destroying the socket emits 'close' at
 * once: commands still waiting reject with "Connection is closed." and the status becomes 'end'.
 */
export function closeNow(client: Redis): void {
  client.disconnect();
  const stream = (client as unknown as { stream?: { destroyed?: boolean; destroy(): void } }).stream;
  if (stream !== undefined && stream !== null && stream.destroyed !== true) stream.destroy();
}
