import type { EventEmitter } from 'node:events';
import type { Pool } from '@pool/core';
import type pg from 'pg';
import type { PgProvider } from './provider.js';
import { recordSetup } from './session-setup.js';

/**
 * pg.Pool's `'connect'` and `'remove'` events, from the core pool's `create` and `destroy`. The SET
 * statements a `'connect'` listener sends are sent again after a resetQuery (session-setup.ts), and
 * the client listeners it adds stay on every release (a borrower's are removed), as in pg.Pool.
 */
export function forwardLifecycleEvents(core: Pool<pg.Client>, pool: EventEmitter, provider: PgProvider): void {
  core.on('create', (event) => {
    if (pool.listenerCount('connect') === 0) return;
    recordSetup(event.resource, () => pool.emit('connect', event.resource));
    provider.keepListeners(event.resource);
  });
  core.on('destroy', (event) => {
    if (pool.listenerCount('remove') > 0) pool.emit('remove', event.resource);
  });
}
