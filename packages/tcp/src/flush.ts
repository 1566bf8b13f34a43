import type { Socket } from 'node:net';

/**
 * Resolves `true` once everything written before now has been handed to the kernel (the callback of
 * an empty write queued behind it), `false` if the socket fails first. Never settles while the peer
 * reads nothing: the caller bounds the wait (the pool's `resetTimeoutMs`).
 */
export function flushed(socket: Socket): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    socket.write(Buffer.alloc(0), (error) => resolve(error === undefined || error === null));
  });
}
