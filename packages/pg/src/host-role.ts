import type pg from 'pg';

/**
 * libpq's `target_session_attrs`: which server a session may use. `read-write`: transactions are
 * writable (`SHOW transaction_read_only` is off: the primary); `read-only`: the opposite; `primary`:
 * not in recovery; `standby`: in recovery (`pg_is_in_recovery()`); `prefer-standby`: a standby when
 * one is usable, else any; `any`: any server that answers.
 */
export type TargetSessionAttrs = 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby' | 'any';

export const targetSessionAttrsValues: readonly TargetSessionAttrs[] = ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby', 'any'];

/** What a server said about itself on the last check. */
export interface HostRole {
  /** `pg_is_in_recovery()`: a standby (streaming replica, or a primary not yet promoted). */
  standby: boolean;
  /** `transaction_read_only`: writes are refused (every standby; a primary with default_transaction_read_only). */
  readOnly: boolean;
  /**
   * On a standby: how far replay is behind, in ms (0 when it has replayed all WAL it received;
   * else now - `pg_last_xact_replay_timestamp()`, Infinity before the first replayed transaction). 0 on a primary.
   */
  lagMs: number;
}

/** One round trip that answers all of {@link HostRole}. */
export const roleQuery =
  "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') = 'on' AS read_only, " +
  'CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ' +
  // behind, with no transaction replayed yet: the lag is unknown, so as large as can be
  "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 'Infinity') END::float8 AS lag_ms";

/** Asks a connected client for its server's role. */
export function queryRole(client: pg.Client): Promise<HostRole> {
  return new Promise((resolve, reject) => {
    client.query(roleQuery, (error: Error | undefined, result: pg.QueryResult) => {
      if (error) return reject(error);
      const row = result.rows[0] as { standby: boolean; read_only: boolean; lag_ms: number } | undefined;
      if (row === undefined) return reject(new Error('the role query returned no row'));
      resolve({ standby: row.standby === true, readOnly: row.read_only === true, lagMs: Number.isNaN(Number(row.lag_ms)) ? 0 : Number(row.lag_ms) });
    });
  });
}

/** True when a server in `role` satisfies `attrs` (`prefer-standby` and `any` accept every server). */
export function roleMatches(role: HostRole, attrs: TargetSessionAttrs): boolean {
  switch (attrs) {
    case 'read-write':
      return !role.readOnly;
    case 'read-only':
      return role.readOnly;
    case 'primary':
      return !role.standby;
    case 'standby':
      return role.standby;
    default:
      return true;
  }
}

/** A short description for messages: `primary`, `standby (lag 120 ms)`, `read-only primary`. */
export function describeRole(role: HostRole | undefined): string {
  if (role === undefined) return 'unknown';
  if (role.standby) return role.lagMs > 0 ? `standby (lag ${Math.round(role.lagMs)} ms)` : 'standby';
  return role.readOnly ? 'read-only primary' : 'primary';
}
