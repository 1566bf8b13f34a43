import type { Pool } from '@pool/core';
import type pg from 'pg';

/** pg.Pool's log lines for what happens to clients, by @pool/core's destroy reason. */
const removeLines: Record<string, string> = {
  'max-uses': 'remove expended client',
  lifetime: 'remove expired client',
  idle: 'remove idle client',
};

/**
 * Sends pg.Pool's own log lines to a `log(message, ...)` option (`new client connected`,
 * `remove expended client`, `remove expired client`, `remove idle client`), besides the lines
 * @pool/core writes to it as its logger.
 */
export function attachPgLog(core: Pool<pg.Client>, log: (...args: unknown[]) => void): void {
  core.on('create', () => log('new client connected'));
  core.on('destroy', (event) => log(removeLines[event.reason] ?? 'remove client', event.reason));
}
