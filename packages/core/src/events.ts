import { channel, type Channel } from 'node:diagnostics_channel';
import type { PoolError } from './errors.js';

/** Why a resource was destroyed. */
export type DestroyReason =
  | 'idle' | 'lifetime' | 'max-uses' | 'broken' | 'validate-failed' | 'reset-failed' | 'fatal'
  | 'evicted' | 'resized' | 'closed' | 'released-destroyed' | 'aborted' | 'late-create' | 'keepalive-failed';

/** The payload of each pool event. Listeners get one argument. */
export interface PoolEvents<R> {
  create: { pool: string; resource: R; durationMs: number };
  destroy: { pool: string; resource: R; reason: DestroyReason; error?: unknown };
  acquire: { pool: string; resource: R; waitMs: number };
  release: { pool: string; resource: R; heldMs: number };
  leak: { pool: string; resource: R; heldMs: number; stack: string };
  /** Something failed away from any caller: a create with no one waiting, a destroy, a keepalive ping. Never thrown. */
  error: PoolError;
  /** The circuit breaker opened (`unavailable: true`) or closed again. */
  availability: { pool: string; unavailable: boolean; cause?: unknown };
}

export type PoolEventName = keyof PoolEvents<unknown>;

/** `node:diagnostics_channel` channels, one per event: subscribe to `pool:acquire` etc. with no pool option. */
export const channels: { readonly [K in PoolEventName]: Channel } = {
  create: channel('pool:create'),
  destroy: channel('pool:destroy'),
  acquire: channel('pool:acquire'),
  release: channel('pool:release'),
  leak: channel('pool:leak'),
  error: channel('pool:error'),
  availability: channel('pool:availability'),
};

type Listener<T> = (payload: T) => void;

/**
 * A small typed emitter. Unlike node:events, an 'error' with no listener is not thrown: pool errors
 * are reports, and an idle resource's failure must never crash the process. A listener that throws
 * does not break the pool; its error is rethrown on a later tick, where the process sees it.
 */
export class PoolEmitter<R> {
  // one array per event name, created on first `on`
  private readonly listeners: Partial<Record<PoolEventName, Listener<never>[]>> = {};

  on<K extends PoolEventName>(event: K, listener: Listener<PoolEvents<R>[K]>): this {
    (this.listeners[event] ??= [] as Listener<never>[]).push(listener as Listener<never>);
    return this;
  }

  off<K extends PoolEventName>(event: K, listener: Listener<PoolEvents<R>[K]>): this {
    const list = this.listeners[event];
    const index = list ? list.indexOf(listener as Listener<never>) : -1;
    if (list && index !== -1) {
      // copy on write, so an emit in progress keeps its own list
      const next = list.slice();
      next.splice(index, 1);
      this.listeners[event] = next;
    }
    return this;
  }

  listenerCount(event: PoolEventName): number {
    return this.listeners[event]?.length ?? 0;
  }

  /** True when `emit(event)` would reach anyone: a listener or a diagnostics_channel subscriber. */
  wants(event: PoolEventName): boolean {
    return (this.listeners[event]?.length ?? 0) > 0 || channels[event].hasSubscribers;
  }

  emit<K extends PoolEventName>(event: K, payload: PoolEvents<R>[K]): void {
    const ch = channels[event];
    if (ch.hasSubscribers) ch.publish(payload);
    const list = this.listeners[event] as Listener<PoolEvents<R>[K]>[] | undefined;
    if (!list) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
