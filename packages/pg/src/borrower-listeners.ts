import type pg from 'pg';

/** The client events a borrower may listen to; listeners added to them while lent are removed on release. */
const events = ['notice', 'notification', 'error', 'end', 'drain'] as const;

/** The listeners a client has of its own (the pool's and pg's), taken once after connect. */
export type ListenerBaseline = ReadonlyMap<string, readonly unknown[]>;

/** Records the client's listeners as they are before any borrower touches it. */
export function takeBaseline(client: pg.Client): ListenerBaseline {
  const baseline = new Map<string, unknown[]>();
  for (const event of events) baseline.set(event, client.rawListeners(event));
  return baseline;
}

/** True when a borrower added (or removed) a listener: the cheap check run on every release. */
export function listenersChanged(client: pg.Client, baseline: ListenerBaseline): boolean {
  for (const event of events) {
    if (client.listenerCount(event) !== (baseline.get(event) as unknown[]).length) return true;
  }
  return false;
}

/**
 * Removes every listener a borrower added (`notice`, `notification`, `error`, `end`, `drain`), so
 * nothing of one borrower reaches the next; the pool's own listeners are put back if one was removed.
 */
export function restoreListeners(client: pg.Client, baseline: ListenerBaseline): void {
  for (const event of events) {
    const own = baseline.get(event) as ((...args: unknown[]) => void)[];
    const now = client.rawListeners(event) as ((...args: unknown[]) => void)[];
    if (now.length === own.length && now.every((listener, i) => listener === own[i])) continue;
    client.removeAllListeners(event);
    for (const listener of own) client.on(event, listener);
  }
}
