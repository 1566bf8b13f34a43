import type { ConnectionOptions } from 'mysql2';

/** Options of {@link mysqlProvider}: mysql2's connection options plus the adapter's own. */
export interface MysqlProviderConfig extends ConnectionOptions {
  /**
   * Full session reset on every release: COM_RESET_CONNECTION (mysql2's `connection.reset()`), then
   * `USE <database>` when a database is configured. It rolls back, drops temporary tables, clears
   * user and session variables and server-side prepared statements (mysql2's statement cache too),
   * and costs one to two round trips per release. Off by default: release then only rolls back a
   * transaction left open. @default false
   */
  resetSession?: boolean;
  /**
   * How long a graceful close (COM_QUIT) may take before the socket is closed hard. @default 1000
   */
  quitTimeoutMs?: number;
}

/** The adapter's own keys, taken out before the rest goes to mysql2. */
export interface AdapterSettings {
  resetSession: boolean;
  quitTimeoutMs: number;
}

/** Splits a config (or a mysql:// URL) into mysql2's connection options and the adapter's settings. */
export function splitConfig(config: MysqlProviderConfig | string): { driver: ConnectionOptions; settings: AdapterSettings } {
  if (typeof config === 'string') return { driver: { uri: config }, settings: { resetSession: false, quitTimeoutMs: 1000 } };
  if (typeof config !== 'object' || config === null) throw new TypeError('@pool/mysql: expected a config object or a mysql:// URL');
  const { resetSession = false, quitTimeoutMs = 1000, ...driver } = config;
  if (typeof resetSession !== 'boolean') throw new TypeError(`@pool/mysql: expected \`resetSession\` to be a boolean, got ${typeof resetSession}`);
  if (typeof quitTimeoutMs !== 'number' || !(quitTimeoutMs >= 0)) throw new TypeError(`@pool/mysql: expected \`quitTimeoutMs\` to be a number >= 0, got ${String(quitTimeoutMs)}`);
  return { driver, settings: { resetSession, quitTimeoutMs } };
}
