/** What the listener bookkeeping needs of a driver's connection (a node EventEmitter). */
export interface ListenerHost {
  rawListeners(event: string): Function[];
  listenerCount(event: string): number;
  removeAllListeners(event: string): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** The listeners a connection has of its own (the pool's and the driver's) on the events a borrower may listen to. */
export interface ListenerBaseline {
  readonly events: readonly string[];
  /** `listeners[i]`: the connection's own listeners of `events[i]`. */
  readonly listeners: readonly (readonly Function[])[];
}

/** Records the connection's listeners on `events` before any borrower touches it (once, after connect). */
export function takeListenerBaseline(host: ListenerHost, events: readonly string[]): ListenerBaseline {
  return { events, listeners: events.map((event) => host.rawListeners(event)) };
}

/** True when a borrower added (or removed) a listener: the cheap check run on every release, with no allocation. */
export function listenersChanged(host: ListenerHost, baseline: ListenerBaseline): boolean {
  const { events, listeners } = baseline;
  for (let i = 0; i < events.length; i++) {
    if (host.listenerCount(events[i] as string) !== (listeners[i] as readonly Function[]).length) return true;
  }
  return false;
}

/**
 * Removes every listener a borrower added, so nothing of one borrower reaches the next (a borrower's
 * 'notice' or 'error' handler would otherwise hear the next one's events); the connection's own
 * listeners are put back if a borrower removed one.
 */
export function restoreListeners(host: ListenerHost, baseline: ListenerBaseline): void {
  const { events, listeners } = baseline;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as string;
    const own = listeners[i] as readonly Function[];
    const now = host.rawListeners(event);
    if (now.length === own.length && now.every((listener, j) => listener === own[j])) continue;
    host.removeAllListeners(event);
    for (const listener of own) host.on(event, listener as (...args: unknown[]) => void);
  }
}
