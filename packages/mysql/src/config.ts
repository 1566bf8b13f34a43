import { assertKnownKeys, describeValue, numberOption, PoolOptionError } from '@pool/core';
import { secretsOfUrl } from '@pool/core/adapter-kit';
import type { ConnectionOptions } from 'mysql2';
import { readHosts } from './host-list.js';

/** Options of {@link mysqlProvider}: mysql2's connection options plus the adapter's own. */
export interface MysqlProviderConfig extends ConnectionOptions {
  /**
   * Full session reset on every release: COM_RESET_CONNECTION (mysql2's `connection.reset()`), then
   * `USE <database>` when a database is configured. It rolls back, drops temporary tables, clears
   * user and session variables, locks and server-side prepared statements, and costs one to three
   * round trips per release. mysql2's `resetOnRelease: true` means the same. Off by default: release
   * then rolls back a transaction left open and releases named and table locks a borrower took. @default false
   */
  resetSession?: boolean;
  /** How long a graceful close (COM_QUIT) may take before the socket is closed hard. @default 1000 */
  quitTimeoutMs?: number;
  /**
   * Several servers, one of them writable (the primary): connections go to the writable one
   * (`@@global.read_only` off), and after a failover (a read-only error, 1290/1836) the pool's
   * connections are replaced by connections to the new writable host. Overrides `host`/`port`.
   */
  hosts?: Array<string | { host: string; port?: number }>;
}

/** The adapter's own keys, taken out before the rest goes to mysql2. */
export interface AdapterSettings {
  resetSession: boolean;
  quitTimeoutMs: number;
  hosts: Array<{ host: string; port: number }> | undefined;
}

/** Every connection option mysql2 3.x accepts (its ConnectionConfig's list, pool keys excluded). */
export const driverKeys: ReadonlySet<string> = new Set([
  'authPlugins', 'authSwitchHandler', 'bigNumberStrings', 'charset', 'charsetNumber', 'compress', 'connectAttributes',
  'connectTimeout', 'database', 'dateStrings', 'debug', 'decimalNumbers', 'enableKeepAlive', 'flags', 'host', 'insecureAuth',
  'infileStreamFactory', 'isServer', 'keepAliveInitialDelay', 'localAddress', 'maxPreparedStatements', 'multipleStatements',
  'namedPlaceholders', 'nestTables', 'password', 'password1', 'password2', 'password3', 'passwordSha1', 'port', 'queryFormat',
  'rowsAsArray', 'socketPath', 'ssl', 'stream', 'stringifyObjects', 'supportBigNumbers', 'timezone', 'trace', 'typeCast',
  'uri', 'user', 'disableEval', 'enableCleartextPlugin', 'jsonStrings', 'gracefulEnd',
]);

const providerKeys: ReadonlySet<string> = new Set([...driverKeys, 'resetSession', 'quitTimeoutMs', 'hosts']);

/** The config keys that hold secrets (removed from a connected connection's config). */
export const secretKeys = ['password', 'password1', 'password2', 'password3', 'passwordSha1', 'uri'] as const;

const types: Record<string, string> = {
  host: 'string', user: 'string', database: 'string', socketPath: 'string', charset: 'string', localAddress: 'string', uri: 'string',
  port: 'number', connectTimeout: 'number', keepAliveInitialDelay: 'number', maxPreparedStatements: 'number',
  multipleStatements: 'boolean', namedPlaceholders: 'boolean', enableKeepAlive: 'boolean', supportBigNumbers: 'boolean',
  bigNumberStrings: 'boolean', decimalNumbers: 'boolean', insecureAuth: 'boolean', compress: 'boolean', debug: 'boolean',
  trace: 'boolean', rowsAsArray: 'boolean', gracefulEnd: 'boolean', disableEval: 'boolean', enableCleartextPlugin: 'boolean',
  jsonStrings: 'boolean', typeCast: 'boolean|function', queryFormat: 'function', infileStreamFactory: 'function',
};

/** Checks one mysql2 connection option's type (the common ones), naming the key. */
function checkType(config: Record<string, unknown>, key: string): void {
  const expected = types[key];
  const value = config[key];
  if (expected === undefined || value === undefined) return;
  if (expected.split('|').includes(typeof value)) {
    if (key === 'port' && !(Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536)) {
      throw new PoolOptionError(key, `Expected \`port\` to be an integer between 1 and 65535, got ${describeValue(value)}`);
    }
    return;
  }
  throw new PoolOptionError(key, `Expected \`${key}\` to be a ${expected.replace('|', ' or a ')}, got ${describeValue(value)}`);
}

/**
 * Checks a mysql:// URL at creation: it must parse, use mysql: (or mariadb:), and have a valid port.
 * The error never quotes the URL (it may carry a password).
 */
export function checkUrl(uri: string, key = 'uri'): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new PoolOptionError(key, `Expected \`${key}\` to be a mysql://user:password@host:port/database URL; it does not parse (value not shown: it may hold a password)`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new PoolOptionError(key, `Expected \`${key}\` to be a mysql:// URL, got a ${url.protocol}// URL`);
  }
}

/** Checks the keys and types of a provider config, throwing POOL_INVALID_OPTION naming the key. */
export function checkProviderConfig(config: Record<string, unknown>, extra: ReadonlySet<string> = new Set()): void {
  assertKnownKeys(config, extra.size === 0 ? providerKeys : new Set([...providerKeys, ...extra]), '@pool/mysql');
  for (const key of Object.keys(config)) checkType(config, key);
  if (typeof config.uri === 'string') checkUrl(config.uri);
}

/** Splits a config (or a mysql:// URL) into mysql2's connection options and the adapter's settings, checking both. */
export function splitConfig(config: MysqlProviderConfig | string): { driver: ConnectionOptions; settings: AdapterSettings } {
  if (typeof config === 'string') {
    checkUrl(config, 'url');
    return { driver: { uri: config }, settings: { resetSession: false, quitTimeoutMs: 1000, hosts: undefined } };
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PoolOptionError('config', `Expected a config object or a mysql:// URL, got ${describeValue(config)}`);
  }
  checkProviderConfig(config as Record<string, unknown>);
  const { resetSession = false, quitTimeoutMs, hosts, ...driver } = config;
  if (typeof resetSession !== 'boolean') {
    throw new PoolOptionError('resetSession', `Expected \`resetSession\` to be a boolean, got ${describeValue(resetSession)}`);
  }
  const quit = numberOption(quitTimeoutMs, 'quitTimeoutMs', 1000, { minimum: 0 });
  return { driver, settings: { resetSession, quitTimeoutMs: quit, hosts: hosts === undefined ? undefined : readHosts(hosts) } };
}

/** The secret strings of a config (passwords, and those inside a URL), to scrub from errors. */
export function secretsOf(config: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  for (const key of ['password', 'password1', 'password2', 'password3'] as const) {
    const value = config[key];
    if (typeof value === 'string' && value.length > 0) secrets.push(value);
  }
  if (typeof config.uri === 'string') secrets.push(...secretsOfUrl(config.uri));
  return secrets;
}

/** Removes the password fields from a connected connection's config, so no inspect or log of it can print them. */
export function forgetSecrets(config: object): void {
  const target = config as Record<string, unknown>;
  for (const key of secretKeys) if (key in target) target[key] = undefined;
}
