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
  for (let i = 0; i < events.length; i++) restoreEvent(host, events[i] as string, listeners[i] as readonly Function[]);
}

/** An emitter whose borrowers may listen to any event at all (a socket), symbols included. */
export interface AnyEventHost {
  eventNames(): (string | symbol)[];
  rawListeners(event: string | symbol): Function[];
  removeAllListeners(event: string | symbol): unknown;
  on(event: string | symbol, listener: (...args: any[]) => void): unknown;
}

/**
 * {@link restoreListeners} over every event: each event named in `own` gets back exactly its own
 * listeners (put back if a borrower removed them: after `removeAllListeners()` an idle socket's
 * 'error' would crash the process), and every other event loses all of its listeners.
 */
export function restoreEveryListener(host: AnyEventHost, own: ReadonlyMap<string | symbol, readonly Function[]>): void {
  for (const event of host.eventNames()) if (!own.has(event)) host.removeAllListeners(event);
  for (const [event, listeners] of own) restoreEvent(host, event, listeners);
}

/** `event`'s listeners back to `own`, in order; nothing is touched when they already are. */
function restoreEvent(host: Pick<AnyEventHost, 'rawListeners' | 'removeAllListeners' | 'on'>, event: string | symbol, own: readonly Function[]): void {
  const now = host.rawListeners(event);
  if (now.length === own.length && now.every((listener, j) => listener === own[j])) return;
  host.removeAllListeners(event);
  for (const listener of own) host.on(event, listener as (...args: unknown[]) => void);
}
