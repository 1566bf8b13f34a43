import { listenersChanged, restoreListeners, takeListenerBaseline } from '@pool/core/adapter-kit';
import type { Redis } from 'ioredis';
import { sessionOf, type SessionState } from './session.js';

/**
 * Every event an ioredis client emits that a borrower may listen to: the connection's life, `select`,
 * and pub/sub messages. A borrower's listener left on one of them would hear the next borrowers'
 * events, keep its closure alive, and after ten borrowers trip MaxListenersExceededWarning.
 */
const borrowerEvents = [
  'error', 'end', 'close', 'ready', 'connect', 'reconnecting', 'wait', 'select',
  'message', 'messageBuffer', 'pmessage', 'pmessageBuffer', 'smessage', 'smessageBuffer',
] as const;

/**
 * Records the listeners the client has now as its own (the provider's, and any the pool's code adds
 * right after create, such as the Sentinel provider's): release keeps these and removes the rest.
 */
export function recordOwnListeners(client: Redis): void {
  const state = sessionOf(client);
  if (state !== undefined) state.listeners = takeListenerBaseline(client, borrowerEvents);
}

/** On release: removes every listener a borrower added (and puts back an own one a borrower removed). No allocation when none changed. */
export function dropBorrowerListeners(client: Redis, state: SessionState): void {
  const baseline = state.listeners;
  if (baseline !== undefined && listenersChanged(client, baseline)) restoreListeners(client, baseline);
}
