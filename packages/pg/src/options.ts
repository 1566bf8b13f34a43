import { assertKnownKeys, describeValue, PoolOptionError } from '@pool/core';
import { redactUrl } from '@pool/core/adapter-kit';

/**
 * THE allow-list of @pool/pg's options, in one place: every key `createPgPool` / `pgProvider`
 * accepts, with the type it must have. Unknown keys are refused with POOL_INVALID_OPTION (a near miss
 * gets "did you mean"), never ignored. A new feature adds its keys here, one line each.
 */

type Kind = 'string' | 'number' | 'boolean' | 'function' | 'object' | 'null';

/** The keys pg.Client accepts, passed through to it untouched. */
const clientKeys: Record<string, readonly Kind[]> = {
  user: ['string'],
  password: ['string', 'function'],
  host: ['string'],
  port: ['number', 'string'],
  database: ['string'],
  connectionString: ['string'],
  ssl: ['boolean', 'object'],
  sslnegotiation: ['string'],
  binary: ['boolean'],
  client_encoding: ['string'],
  options: ['string'],
  application_name: ['string'],
  fallback_application_name: ['string'],
  statement_timeout: ['number', 'boolean'],
  lock_timeout: ['number'],
  idle_in_transaction_session_timeout: ['number'],
  query_timeout: ['number'],
  connectionTimeoutMillis: ['number'],
  keepAlive: ['boolean'],
  keepAliveInitialDelayMillis: ['number'],
  stream: ['object', 'function'],
  types: ['object'],
  replication: ['string', 'boolean'],
  enableChannelBinding: ['boolean'],
  parseInputDatesAsUTC: ['boolean'],
  pipeline: ['boolean'],
  scramMaxIterations: ['number'],
  Promise: ['function'],
};

/** Keys of pg.Pool's (pg-pool) and @pool/pg's that shape each client: the provider takes them. */
const providerKeys: Record<string, readonly Kind[]> = {
  // pg.Pool's
  allowExitOnIdle: ['boolean'],
  verify: ['function'],
  Client: ['function'],
  onConnect: ['function'],
  // @pool/pg's
  resetQuery: ['string'],
  onDirtyRelease: ['string'],
  pingQuery: ['string'],
  endTimeoutMs: ['number'],
};

/** Keys of the pool itself (createPgPool only), mapped onto @pool/core in pool-config.ts. */
const poolKeys: Record<string, readonly Kind[]> = {
  // pg.Pool's
  max: ['number'],
  poolSize: ['number'],
  min: ['number'],
  // null: never, as in pg.Pool (its types allow it)
  idleTimeoutMillis: ['number', 'null'],
  maxUses: ['number'],
  maxLifetimeSeconds: ['number'],
  log: ['function'],
  // @pool/pg's
  queryTimeoutMs: ['number'],
  livenessCheckAfterMs: ['number'],
  pool: ['object'],
};

/** Keys of engines beyond one server (PgBouncer pooler mode, replicas, failover): added by that work. */
const scaleKeys: Record<string, readonly Kind[]> = {
  pooler: ['string'],
};

const kinds: Record<string, readonly Kind[]> = { ...clientKeys, ...providerKeys, ...poolKeys, ...scaleKeys };

/** Every key `createPgPool`'s config object may have. */
export const allowedKeys: ReadonlySet<string> = new Set(Object.keys(kinds));

/** Every key `pgProvider`'s config may have (no pool sizing: that belongs to `createPool`'s options). */
export const providerAllowedKeys: ReadonlySet<string> = new Set([...Object.keys(clientKeys), ...Object.keys(providerKeys), ...Object.keys(scaleKeys)]);

/** Keys that configure the pool, never passed to the provider. */
export const poolKeySet: ReadonlySet<string> = new Set(Object.keys(poolKeys));

/** The keys that reach `new pg.Client(...)`. */
export const clientKeySet: ReadonlySet<string> = new Set(Object.keys(clientKeys));

function kindOf(value: unknown): Kind | 'other' {
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'function') return type;
  if (value === null) return 'null';
  if (type === 'object' && !Array.isArray(value)) return 'object';
  return 'other';
}

/**
 * Checks a connection string at creation: a `postgres://` / `postgresql://` / `socket:` URL that
 * parses, or node-postgres's `/socket/dir dbname` form. Anything else (an `http://` URL, `'not a url'`,
 * port 99999) is POOL_INVALID_OPTION now, not `ENOTFOUND base` at the first query; the message never
 * shows the password.
 */
export function checkConnectionString(raw: string, option = 'connectionString'): void {
  if (raw.startsWith('/')) return;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PoolOptionError(option, `Expected \`${option}\` to be a postgres:// URL, got one that does not parse: ${redactUrl(raw)}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:' && url.protocol !== 'socket:') {
    throw new PoolOptionError(option, `Expected \`${option}\` to be a postgres:// or postgresql:// URL, got the scheme ${url.protocol} (${redactUrl(raw)})`);
  }
}

/**
 * Checks every key of a config object: unknown keys and `__proto__` are refused (with "did you mean"),
 * a value of the wrong type names its key, and a connection string must parse. `undefined` values pass
 * (an unset option).
 */
export function checkPgOptions(config: object, where: 'createPgPool' | 'pgProvider' = 'createPgPool'): void {
  if (Object.prototype.hasOwnProperty.call(config, '__proto__')) {
    throw new PoolOptionError('__proto__', 'Unexpected key `__proto__` in the pg config');
  }
  assertKnownKeys(config, where === 'createPgPool' ? allowedKeys : providerAllowedKeys, where);
  const record = config as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    const expected = kinds[key] as readonly Kind[];
    const kind = kindOf(value);
    if (kind === 'other' || !expected.includes(kind)) {
      throw new PoolOptionError(key, `Expected \`${key}\` to be ${expected.map((k) => (k === 'object' ? 'an object' : k === 'null' ? 'null' : `a ${k}`)).join(' or ')}, got ${describeValue(key === 'password' ? '***' : value)}`);
    }
    if (kind === 'number' && (Number.isNaN(value) || (value as number) < 0)) {
      throw new PoolOptionError(key, `Expected \`${key}\` to be a number >= 0, got ${describeValue(value)}`);
    }
  }
  if (typeof record.connectionString === 'string') checkConnectionString(record.connectionString);
  if (record.Promise !== undefined && record.Promise !== globalThis.Promise) {
    throw new PoolOptionError('Promise', '`Promise`: a custom promise library is not supported by @pool/pg; every call returns a native Promise');
  }
}
