import { PoolError } from '@pool/core';
import type mysql from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { connect } from './connect.js';
import { sessionOf } from './session.js';

/**
 * Connects to the writable host of several (libpq's `target_session_attrs=read-write` rule): tries
 * the host that was writable last time first, then the others in order; a host whose
 * `@@global.read_only` is on (a replica, or the old primary after a failover) is skipped. When none
 * is writable (a failover in progress) the create fails with POOL_CREATE_FAILED, a transient error:
 * waiting callers keep waiting, within their deadline, for a host to become writable.
 */
export function writableHostConnector(driver: mysql.ConnectionOptions, hosts: ReadonlyArray<{ host: string; port: number }>, secrets: readonly string[]): {
  create(signal: AbortSignal): Promise<Connection>;
  /** The host found writable last (the first one before any connect). */
  current(): { host: string; port: number };
} {
  let preferred = 0;
  const current = () => hosts[preferred]!;
  const create = async (signal: AbortSignal): Promise<Connection> => {
    const problems: string[] = [];
    let lastError: unknown;
    for (let step = 0; step < hosts.length; step++) {
      const index = (preferred + step) % hosts.length;
      const target = hosts[index]!;
      let connection: Connection;
      try {
        connection = await connect({ ...driver, host: target.host, port: target.port }, secrets, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
        problems.push(`${target.host}:${target.port} ${(error as { code?: string }).code ?? 'failed'}`);
        continue;
      }
      try {
        const [rows] = await connection.query('SELECT @@global.read_only AS ro');
        if (Number((rows as Array<{ ro: unknown }>)[0]?.ro) === 0) {
          preferred = index;
          return connection;
        }
        problems.push(`${target.host}:${target.port} read-only`);
      } catch (error) {
        lastError = error;
        problems.push(`${target.host}:${target.port} ${(error as { code?: string }).code ?? 'failed'}`);
      }
      sessionOf(connection)?.hardClose();
    }
    throw new PoolError('POOL_CREATE_FAILED', `no writable host: ${problems.join(', ')}`, { cause: lastError });
  };
  return { create, current };
}
