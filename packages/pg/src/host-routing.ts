import { PoolTimeoutError } from '@pool/core';
import { roleMatches, type TargetSessionAttrs } from './host-role.js';
import type { PgHost } from './pg-host.js';
import { PgScaleError } from './scale-errors.js';

/** Routes that must reach the primary (and wait through a failover for the new one). */
export function isWriteRoute(route: TargetSessionAttrs): boolean {
  return route === 'read-write' || route === 'primary';
}

/** Among up hosts that pass `accept`, the one with the least outstanding work (ties: the first listed). */
function leastBusy(hosts: readonly PgHost[], accept: (host: PgHost) => boolean): PgHost | undefined {
  let best: PgHost | undefined;
  for (const host of hosts) {
    if (!host.up || !accept(host)) continue;
    if (best === undefined || host.inflight < best.inflight) best = host;
  }
  return best;
}

/**
 * The host for `route` now, or undefined when none is known to fit (the caller then waits for the
 * next check). `read-write` is the elected primary; standbys are usable while up and within the lag
 * guard; `prefer-standby` falls back to the primary, then to any host that answered.
 */
export function pickHost(hosts: readonly PgHost[], writer: PgHost | undefined, route: TargetSessionAttrs): PgHost | undefined {
  const primary = writer?.up ? writer : undefined;
  if (route === 'read-write') return primary;
  // the other routes choose among hosts: only once every host has answered or failed (the first
  // calls wait for the first round of checks, so they do not all land on the first host to answer)
  if (!hosts.every((host) => host.checked)) return undefined;
  if (route === 'primary') return primary ?? leastBusy(hosts, (host) => host.role !== undefined && roleMatches(host.role, 'primary'));
  if (route === 'standby') return leastBusy(hosts, (host) => host.readableStandby);
  if (route === 'read-only') return leastBusy(hosts, (host) => host.readableStandby || (host.role !== undefined && !host.role.standby && host.role.readOnly));
  if (route === 'prefer-standby') return leastBusy(hosts, (host) => host.readableStandby) ?? primary ?? leastBusy(hosts, (host) => host.role !== undefined);
  return leastBusy(hosts, (host) => host.role !== undefined);
}

function describeError(error: unknown): string {
  if (error === undefined) return 'no answer';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/** The POOL_TIMEOUT of a caller who found no host for `route` by its deadline; its cause (PG_NO_PRIMARY / PG_NO_HOST) says what each host was. */
export function noHostError(hosts: readonly PgHost[], route: TargetSessionAttrs, waitedMs: number, pool: string, cause: unknown): PoolTimeoutError {
  const what = isWriteRoute(route) ? 'a primary' : `a host for ${route}`;
  const states = hosts.map((host) => `${host.name}: ${host.up ? host.status().role : `down (${describeError(host.lastError)})`}`).join(', ');
  const scale = new PgScaleError(isWriteRoute(route) ? 'PG_NO_PRIMARY' : 'PG_NO_HOST', `no ${what} among ${states}`, { cause });
  return new PoolTimeoutError('acquire', waitedMs, `acquire timed out after ${waitedMs} ms waiting for ${what} (${states})`, { cause: scale, pool });
}
