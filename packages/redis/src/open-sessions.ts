import type { Redis } from 'ioredis';

/** Connections the pool destroyed: a borrower that kept a reference and reconnects one does not bring it back. */
const retired = new WeakSet<Redis>();

/** Marks a connection the pool is destroying: from now on it counts nowhere. */
export function retireSession(client: Redis): void {
  retired.add(client);
}

/**
 * The connections a provider made that have a live session on the server, each with a value (the
 * server it is on, for Sentinel). A connection joins when made and again at every reconnect (its
 * `'ready'`: a borrower's own `disconnect()` then `connect()`), and leaves at its `'end'` or when the
 * pool destroys it. Counting `'end'`s alone (`once('end', () => open--)`) left a reconnected
 * connection out for good: one low, so a rotated password was taken for a wrong one.
 *
 * `size` only counts connections ioredis calls `ready`, and nothing ended is kept: a borrower that
 * removed the listeners (they come back on release) cannot leave an ended connection counted.
 */
export class OpenSessions<V = true> {
  private readonly held = new Map<Redis, V>();

  /** Counts `client` (just connected) and follows its later reconnects and ends. */
  track(client: Redis, value: V): void {
    this.held.set(client, value);
    client.on('ready', () => {
      if (!retired.has(client)) this.held.set(client, value);
    });
    client.on('end', () => this.held.delete(client));
  }

  /** Connections with a live session (ioredis calls them `ready`). */
  get size(): number {
    let count = 0;
    for (const client of this.held.keys()) if (this.kept(client) && client.status === 'ready') count++;
    return count;
  }

  /** `[client, value]` of each connection not ended (a reconnect in progress included). */
  *entries(): IterableIterator<[Redis, V]> {
    for (const [client, value] of this.held) if (this.kept(client)) yield [client, value];
  }

  /** False (and forgotten) once ended or destroyed. */
  private kept(client: Redis): boolean {
    if (retired.has(client) || client.status === 'end') {
      this.held.delete(client);
      return false;
    }
    return true;
  }
}
