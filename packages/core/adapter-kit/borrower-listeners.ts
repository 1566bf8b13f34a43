/** What the listener bookkeeping needs of a driver's connection (a node EventEmitter). */
export interface ListenerHost {
  rawListeners(event: string): Function[];
  listenerCount(event: string): number;
  removeAllListeners(event: string): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** The listeners a connection has of its own (the pool's and the driver's) on the events a borrower may listen to. */
export type ListenerBaseline = ReadonlyMap<string, readonly Function[]>;

/** Records the connection's listeners on `events` before any borrower touches it (once, after connect). */
export function takeListenerBaseline(host: ListenerHost, events: readonly string[]): ListenerBaseline {
  const baseline = new Map<string, Function[]>();
  for (const event of events) baseline.set(event, host.rawListeners(event));
  return baseline;
}

/** True when a borrower added (or removed) a listener: the cheap check run on every release. */
export function listenersChanged(host: ListenerHost, baseline: ListenerBaseline): boolean {
  for (const [event, own] of baseline) {
    if (host.listenerCount(event) !== own.length) return true;
  }
  return false;
}

/**
 * Removes every listener a borrower added, so nothing of one borrower reaches the next (a borrower's
 * 'notice' or 'error' handler would otherwise hear the next one's events); the connection's own
 * listeners are put back if a borrower removed one.
 */
export function restoreListeners(host: ListenerHost, baseline: ListenerBaseline): void {
  for (const [event, own] of baseline) {
    const now = host.rawListeners(event);
    if (now.length === own.length && now.every((listener, i) => listener === own[i])) continue;
    host.removeAllListeners(event);
    for (const listener of own) host.on(event, listener as (...args: unknown[]) => void);
  }
}
