import { assertKnownKeys, describeValue, PoolOptionError } from '@pool/core';
import { secretsOfUrl } from '@pool/core/adapter-kit';
import type { RedisOptions } from 'ioredis';
import { ownedRedisOptionKeys, providerOptionKeys } from './option-keys.js';

/** What to do with a connection's session when it is released. */
export type ResetPolicy = 'tracked' | 'always' | 'command';

/** Options of {@link redisProvider}. */
export interface RedisProviderConfig {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...`. Other fields override its parts. */
  url?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 6379 */
  port?: number;
  username?: string;
  password?: string;
  /** The database every connection uses and returns to on release. @default 0 (or the URL's) */
  db?: number;
  /** `CLIENT SETNAME` of every pool connection, restored on release if a borrower changed it (`''`: no name; a borrower's is cleared). @default 'pool' */
  clientName?: string;
  /** ioredis `connectTimeout`; the pool's `createTimeoutMs` also bounds a connect. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Reset on release:
   * - `'tracked'` (default): undo what the borrower's commands changed (UNWATCH after WATCH, SELECT
   *   back after SELECT, CLIENT SETNAME after a rename); no round trip when nothing changed.
   * - `'always'`: UNWATCH and SELECT on every release (one pipelined round trip).
   * - `'command'`: RESET (Redis >= 6.2), then AUTH, SELECT and CLIENT SETNAME again, every release:
   *   also clears CLIENT TRACKING, CLIENT REPLY and other session flags.
   * In every policy, replies still owed to commands released unawaited are waited for first (up to
   * 1 s, else the connection is destroyed); a connection in subscriber mode, inside MULTI, or after a
   * command that cannot be undone (RESET, HELLO, CLIENT REPLY/TRACKING/...) is destroyed.
   */
  reset?: ResetPolicy;
  /**
   * More ioredis options (tls, family, keepAlive, commandTimeout, ...). These are always overridden:
   * lazyConnect, retryStrategy (no reconnection: the pool replaces dead connections),
   * enableOfflineQueue (off), autoResubscribe, autoResendUnfulfilledCommands, reconnectOnError,
   * maxRetriesPerRequest.
   */
  redisOptions?: Omit<RedisOptions, 'host' | 'port' | 'username' | 'password' | 'db' | 'connectionName'>;
}

/** The resolved connection settings. */
export interface ResolvedRedisConfig {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  clientName: string;
  reset: ResetPolicy;
  tls: boolean;
  /** What goes to `new Redis(options)`. */
  options: RedisOptions;
  /**
   * The same server, credentials, db and name with ioredis's own defaults for everything the pool
   * overrides (reconnects, offline queue, retries): what `client.duplicate()` of a pooled connection
   * builds, a client its caller owns (see duplicate.ts). Holds the password: never log it.
   */
  standalone: RedisOptions;
  /** Strings that must never appear in an error, event or log. */
  secrets: string[];
}

const resetPolicies = new Set<ResetPolicy>(['tracked', 'always', 'command']);

function fail(key: string, message: string): never {
  throw new PoolOptionError(key, `[@pool/redis] invalid option \`${key}\`: ${message}`);
}

interface UrlParts {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  /** `?family=4|6`: the address family ioredis resolves the host with. */
  family?: number;
  tls: boolean;
}

/**
 * The query parameters of a URL that ioredis gives a meaning to and the pool reads the same way (as
 * defaults: the path's db and the userinfo's credentials win, as in ioredis). Any other parameter is
 * refused: ioredis would take it as an option, and silently dropping it (a `?db=3` writing to db 0)
 * is worse than saying so.
 */
const urlQueryKeys = new Set(['db', 'family', 'username', 'password']);

function fromUrl(raw: string): UrlParts {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail('url', 'not a valid URL (expected redis://host:port/db)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail('url', `expected redis:// or rediss://, got ${url.protocol}//`);
  for (const key of url.searchParams.keys()) {
    if (!urlQueryKeys.has(key)) fail('url', `the query parameter \`${key}\` is not read (only db, family, username, password are): pass it in \`redisOptions\``);
  }
  const query = (key: string): string | undefined => url.searchParams.get(key) ?? undefined;
  const path = url.pathname.replace(/^\//, '');
  const dbText = path !== '' ? path : query('db');
  const db = dbText === undefined || dbText === '' ? undefined : Number(dbText);
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) fail('url', path !== '' ? 'the path must be a database number' : '`?db=` must be a database number');
  const familyText = query('family');
  const family = familyText === undefined ? undefined : Number(familyText);
  if (family !== undefined && family !== 0 && family !== 4 && family !== 6) fail('url', '`?family=` must be 4, 6 or 0');
  const username = url.username !== '' ? decodeURIComponent(url.username) : query('username');
  const password = url.password !== '' ? decodeURIComponent(url.password) : query('password');
  return {
    ...(url.hostname !== '' ? { host: url.hostname.replace(/^\[(.*)\]$/, '$1') } : {}),
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    ...(username !== undefined && username !== '' ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(family !== undefined ? { family } : {}),
    tls: url.protocol === 'rediss:',
  };
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') fail(key, `expected a string, got ${describeValue(value)}`);
  return value;
}

function checkRedisOptions(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('redisOptions', `expected an object of ioredis options, got ${describeValue(value)}`);
  for (const key of Object.keys(value)) {
    if (ownedRedisOptionKeys.has(key)) {
      const top = key === 'connectionName' ? '`clientName`' : key === 'sentinels' ? '`sentinels` (with `name`) of createRedisPool' : `\`${key}\``;
      throw new PoolOptionError(`redisOptions.${key}`, `[@pool/redis] invalid option \`redisOptions.${key}\`: pass it as the top-level option ${top}`);
    }
  }
  return value as Record<string, unknown>;
}

/** Validates the config and builds the ioredis options. Throws PoolOptionError (POOL_INVALID_OPTION, `.option` names the key). */
export function resolveConfig(config: RedisProviderConfig | string = {}): ResolvedRedisConfig {
  if (typeof config !== 'string' && (typeof config !== 'object' || config === null || Array.isArray(config))) fail('config', `expected an object or a URL string, got ${describeValue(config)}`);
  const input: RedisProviderConfig = typeof config === 'string' ? { url: config } : config;
  assertKnownKeys(input, providerOptionKeys, '@pool/redis');
  const url = optionalString(input.url, 'url');
  const parsed: UrlParts = url !== undefined ? fromUrl(url) : { tls: false };
  const host = input.host ?? parsed.host ?? '127.0.0.1';
  const port = input.port ?? parsed.port ?? 6379;
  const db = input.db ?? parsed.db ?? 0;
  const username = optionalString(input.username, 'username') ?? parsed.username;
  const password = optionalString(input.password, 'password') ?? parsed.password;
  const clientName = input.clientName ?? 'pool';
  const reset = input.reset ?? 'tracked';
  const connectTimeout = input.connectTimeoutMs ?? 10_000;
  if (typeof host !== 'string' || host === '') fail('host', `expected a non-empty string, got ${describeValue(host)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail('port', `expected an integer 1-65535, got ${describeValue(port)}`);
  if (!Number.isInteger(db) || db < 0) fail('db', `expected an integer >= 0, got ${describeValue(db)}`);
  // what CLIENT SETNAME accepts: printable ASCII without spaces. ioredis ignores a refused name at
  // connect, but the reset that restores it would fail on every release and destroy the connection
  if (typeof clientName !== 'string' || !/^[!-~]*$/.test(clientName)) fail('clientName', 'expected a string of printable ASCII without spaces (what CLIENT SETNAME accepts)');
  if (!resetPolicies.has(reset)) fail('reset', `expected 'tracked', 'always' or 'command', got ${describeValue(reset)}`);
  if (typeof connectTimeout !== 'number' || !(connectTimeout > 0) || connectTimeout === Infinity) fail('connectTimeoutMs', `expected a finite number > 0, got ${describeValue(connectTimeout)}`);
  const redisOptions = checkRedisOptions(input.redisOptions) as RedisOptions;
  const tls = parsed.tls || redisOptions.tls !== undefined;
  const standalone: RedisOptions = {
    ...redisOptions,
    ...(parsed.tls && redisOptions.tls === undefined ? { tls: {} } : {}),
    ...(parsed.family !== undefined && redisOptions.family === undefined ? { family: parsed.family } : {}),
    host,
    port,
    db,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(clientName !== '' ? { connectionName: clientName } : {}),
    connectTimeout,
  };
  const options: RedisOptions = {
    ...standalone,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: null,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
  };
  const secrets = [...new Set([...(password ? [password] : []), ...(url !== undefined ? secretsOfUrl(url) : [])])];
  return { host, port, username, password, db, clientName, reset, tls, options, standalone, secrets };
}
