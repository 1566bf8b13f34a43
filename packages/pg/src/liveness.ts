import { CallWatchdog, livenessDefaults } from '@pool/core/adapter-kit';
import pg from 'pg';
import type { ResolvedPgConfig } from './config.js';

/** The default of `livenessCheckAfterMs`: a call with no reply for this long makes the pool check the server. */
export const DEFAULT_LIVENESS_CHECK_AFTER_MS: number = livenessDefaults.thresholdMs;

/**
 * The liveness probe: `SELECT 1` over a connection of its own (a fresh connect, never a pooled client,
 * so a frozen pool cannot starve it), closed afterwards; `signal` destroys its socket.
 */
function probeServer(config: ResolvedPgConfig, signal: AbortSignal): Promise<unknown> {
  const client = new pg.Client({ ...config.client, application_name: 'pool-pg-liveness', password: config.client.password, connectionString: config.client.connectionString });
  client.on('error', () => {});
  const kill = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  signal.addEventListener('abort', kill, { once: true });
  return client
    .connect()
    .then(() => client.query('SELECT 1'))
    .finally(() => {
      signal.removeEventListener('abort', kill);
      client.end().catch(() => {});
    });
}

/**
 * The pg drop-in's frozen-server check (core's CallWatchdog): calls with no deadline of their own are
 * watched; after `thresholdMs` with no reply the server is probed, and only a silent server fails them
 * (POOL_SERVER_UNRESPONSIVE, connection destroyed). The probe has `validateTimeoutMs`, at most 2 s
 * (core's `livenessDefaults`). Undefined when turned off (0).
 */
export function pgWatchdog(config: ResolvedPgConfig, thresholdMs: number | undefined, checkTimeoutMs: number, pool: string): CallWatchdog | undefined {
  const threshold = thresholdMs ?? DEFAULT_LIVENESS_CHECK_AFTER_MS;
  if (threshold === 0 || threshold === Infinity) return undefined;
  return new CallWatchdog({ thresholdMs: threshold, checkTimeoutMs: Math.min(checkTimeoutMs, livenessDefaults.maxCheckTimeoutMs), pool, probe: (signal) => probeServer(config, signal) });
}
