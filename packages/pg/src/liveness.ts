import { CallWatchdog, livenessDefaults } from '@pool/core/adapter-kit';
import pg from 'pg';
import type { ResolvedPgConfig } from './config.js';

/** The default of `livenessCheckAfterMs`: a call with no reply for this long makes the pool check the server. */
export const DEFAULT_LIVENESS_CHECK_AFTER_MS: number = livenessDefaults.thresholdMs;

/**
 * The liveness probe: a login over a connection of its own (a fresh connect, never a pooled client,
 * so a frozen pool cannot starve it), closed afterwards; `signal` destroys its socket. A completed
 * login is the proof of life: a frozen server, a dead host or a blackholed network never completes
 * one. No statement is sent, because behind a pooler (PgBouncer) a statement waits in the pooler's
 * queue while its server connections are all busy, or while it is PAUSEd for maintenance: the probe
 * would time out there and fail every slow call on a live server (pg.Pool's callers wait it out).
 */
function probeServer(config: ResolvedPgConfig, signal: AbortSignal): Promise<unknown> {
  const client = new pg.Client({ ...config.client, application_name: 'pool-pg-liveness', password: config.client.password, connectionString: config.client.connectionString });
  client.on('error', () => {});
  const kill = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  signal.addEventListener('abort', kill, { once: true });
  return client
    .connect()
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
