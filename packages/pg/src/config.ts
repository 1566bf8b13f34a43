import { PoolOptionError } from '@pool/core';
import { secretsOfUrl } from '@pool/core/adapter-kit';
import { checkConnectionString, checkPgOptions, clientKeySet } from './options.js';
import type pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import type { PoolerMode } from './pooler-mode.js';

/** What to do with a client released inside a transaction (ReadyForQuery status `T` or `E`). */
export type DirtyReleasePolicy = 'rollback' | 'destroy';

/**
 * Options of {@link pgProvider}: every node-postgres `ClientConfig` field (a `connectionString` or
 * host/port/user/password/database, `ssl`, `statement_timeout`, `application_name`...), plus these.
 */
export interface PgProviderConfig extends pg.ClientConfig {
  /**
   * TLS. `true` or an object turns it on with the certificate **verified**: `rejectUnauthorized` stays
   * `true` unless you set it to `false` yourself. A `connectionString`'s `sslmode` overrides this field
   * (node-postgres gives the URL precedence), so `sslmode=no-verify` is also an explicit opt-out.
   */
  ssl?: boolean | ConnectionOptions | undefined;
  /**
   * SQL run on every release after any rollback, e.g. `'DISCARD ALL'` (drops SET values, temp tables,
   * prepared statements, advisory locks, LISTENs). When it discards prepared statements (`DISCARD ALL`,
   * `DEALLOCATE ALL`), node-postgres's client-side cache of named statements is cleared too.
   * Unset (the default): session state stays with the connection and no round trip is spent on release.
   */
  resetQuery?: string | undefined;
  /** A client released inside a transaction is rolled back (`'rollback'`, the default) or destroyed. */
  onDirtyRelease?: DirtyReleasePolicy | undefined;
  /** The validation ping: `''` (an empty query, the default: one round trip, no parse) or e.g. `'SELECT 1'`. */
  pingQuery?: string | undefined;
  /** How long `destroy` waits for a graceful Terminate before it destroys the socket. @default 500 */
  endTimeoutMs?: number | undefined;
  /**
   * The client class (a `pg.Client` subclass, or any class whose `connect` takes a callback or returns a promise). @default pg.Client
   * Typed as wide as pg.PoolConfig's `Client` too, so a config typed `pg.PoolConfig` is accepted.
   */
  Client?: (new (config: pg.ClientConfig) => pg.Client) | (new () => pg.ClientBase) | undefined;
  /** Runs once on each new client after it connects (`SET search_path ...`, type parsers); a throw fails the create. */
  onConnect?: ((client: pg.Client) => void | Promise<void>) | undefined;
  /**
   * pg.Pool's `verify(client, done)`: runs on each new client; `done(err)` with an error fails the connect with that error.
   * Declared as a method, whose parameters are checked both ways, so pg.PoolConfig's `verify` (typed with a PoolClient) is accepted.
   */
  verify?(client: pg.Client, done: (error?: Error | null) => void): void;
  /** pg.Pool's `allowExitOnIdle`: idle clients do not keep the process alive (their sockets are unref'd). @default false */
  allowExitOnIdle?: boolean | undefined;
  /** A pooler in between: `'transaction'` (PgBouncer transaction mode) keeps named statements and session features off the server; see pooler-mode.ts. */
  pooler?: PoolerMode | undefined;
}

/** The provider's settings after defaults and checks. */
export interface ResolvedPgConfig {
  /** What goes to `new Client(...)`: the user's ClientConfig with `ssl` made explicit. */
  client: pg.ClientConfig;
  resetQuery: string | undefined;
  /** True when `resetQuery` deallocates prepared statements on the server. */
  resetClearsStatements: boolean;
  onDirtyRelease: DirtyReleasePolicy;
  pingQuery: string;
  endTimeoutMs: number;
  Client: (new (config: pg.ClientConfig) => pg.Client) | undefined;
  onConnect: ((client: pg.Client) => void | Promise<void>) | undefined;
  verify: ((client: pg.Client, done: (error?: Error | null) => void) => void) | undefined;
  allowExitOnIdle: boolean;
  /** Strings that must never appear in an error, event or log. */
  secrets: string[];
}

/**
 * The `ssl` value handed to node-postgres: `true` becomes `{ rejectUnauthorized: true }`, and an
 * object without `rejectUnauthorized` gets `rejectUnauthorized: true`, so certificate checking never
 * depends on a library default. `false`/undefined stay off.
 */
export function resolveSsl(ssl: unknown): false | ConnectionOptions | undefined {
  if (ssl === undefined || ssl === null) return undefined;
  if (ssl === false) return false;
  if (ssl === true) return { rejectUnauthorized: true };
  if (typeof ssl !== 'object' || Array.isArray(ssl)) {
    throw new PoolOptionError('ssl', `Expected \`ssl\` to be a boolean or a tls.ConnectionOptions object, got ${typeof ssl}`);
  }
  const options = ssl as ConnectionOptions;
  const resolved: ConnectionOptions = { ...options, rejectUnauthorized: options.rejectUnauthorized !== false };
  if (options.key !== undefined) {
    // keep the private key out of console.log / util.inspect, as node-postgres does
    Object.defineProperty(resolved, 'key', { value: options.key, enumerable: false, writable: true, configurable: true });
  }
  return resolved;
}

/** Checks the provider options and splits them into the pg.Client config and the adapter's own settings. */
export function resolvePgConfig(config: PgProviderConfig | string | undefined): ResolvedPgConfig {
  if (typeof config === 'string') checkConnectionString(config, 'config');
  const source: PgProviderConfig = typeof config === 'string' ? { connectionString: config } : (config ?? {});
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new PoolOptionError('config', 'Expected a connection string or a config object');
  }
  checkPgOptions(source, 'pgProvider');
  const { resetQuery, onDirtyRelease = 'rollback', pingQuery = '', endTimeoutMs = 500, Client, onConnect, verify, allowExitOnIdle = false } = source;
  if (resetQuery !== undefined && resetQuery.trim() === '') {
    throw new PoolOptionError('resetQuery', 'Expected `resetQuery` to be a non-empty SQL string, e.g. "DISCARD ALL"');
  }
  if (onDirtyRelease !== 'rollback' && onDirtyRelease !== 'destroy') {
    throw new PoolOptionError('onDirtyRelease', `Expected \`onDirtyRelease\` to be "rollback" or "destroy", got ${String(onDirtyRelease)}`);
  }

  const client: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (clientKeySet.has(key)) client[key] = (source as Record<string, unknown>)[key];
  }
  const ssl = resolveSsl(source.ssl);
  if (ssl === undefined) delete client.ssl;
  else client.ssl = ssl;

  const secrets: string[] = [];
  if (typeof source.password === 'string' && source.password !== '') secrets.push(source.password);
  if (typeof source.connectionString === 'string') secrets.push(...secretsOfUrl(source.connectionString));
  // node-postgres hides the password from console.log; so do we, and the URL that may carry it
  hide(client, 'password');
  hide(client, 'connectionString');
  const resolvedConfig: ResolvedPgConfig = {
    client: client as pg.ClientConfig,
    resetQuery,
    resetClearsStatements: resetQuery !== undefined && /\bDISCARD\s+ALL\b|\bDEALLOCATE\s+(PREPARE\s+)?ALL\b/i.test(resetQuery),
    onDirtyRelease,
    pingQuery,
    endTimeoutMs,
    // pg constructs the class with the client config whatever its declared constructor says; so does the provider
    Client: Client as ResolvedPgConfig['Client'],
    onConnect,
    verify,
    allowExitOnIdle,
    secrets: [...new Set(secrets)],
  };
  hide(resolvedConfig, 'secrets');
  return resolvedConfig;
}

/** Makes a property non-enumerable, so console.log, util.inspect and JSON.stringify skip it. */
export function hide(target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined || descriptor.enumerable === false) return;
  Object.defineProperty(target, key, { ...descriptor, enumerable: false });
}
