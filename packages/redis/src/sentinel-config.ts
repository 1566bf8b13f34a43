import { PoolOptionError, describeValue, numberOption } from '@pool/core';
import { parseNodeAddress, type NodeAddress } from './node-address.js';

/** Which servers a Sentinel-managed pool connects to. */
export type SentinelRole = 'primary' | 'replica';

/** The Sentinel options of `createRedisPool` (the other connection options apply to the data servers). */
export interface RedisSentinelOptions {
  /** Sentinels to ask, `{ host, port }` or `'host:port'` (default port 26379); asked in turn until one answers. */
  sentinels: (NodeAddress | string)[];
  /** The master name the sentinels monitor (`sentinel monitor <name> ...`). */
  name: string;
  /** `'primary'` (default): connections to the current primary. `'replica'`: to its replicas, spread over them. */
  role?: SentinelRole;
  /** AUTH for the sentinels themselves (their `requirepass`), not the data servers. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** How long one sentinel may take to answer (connect included) before the next is asked. @default 1000 */
  sentinelTimeoutMs?: number;
}

export interface ResolvedSentinelOptions {
  sentinels: NodeAddress[];
  name: string;
  role: SentinelRole;
  username: string | undefined;
  password: string | undefined;
  timeoutMs: number;
}

/** The keys of {@link RedisSentinelOptions}: taken out before the rest goes to the data-server provider. */
export const sentinelKeys: ReadonlySet<string> = new Set(['sentinels', 'name', 'role', 'sentinelUsername', 'sentinelPassword', 'sentinelTimeoutMs']);

/** True when a pool config asks for Sentinel (`sentinels` is set). */
export function isSentinelConfig(config: object): config is RedisSentinelOptions {
  return (config as { sentinels?: unknown }).sentinels !== undefined;
}

function fail(key: string, message: string): never {
  throw new PoolOptionError(key, `[@pool/redis] invalid option \`${key}\`: ${message}`);
}

/**
 * Validates the Sentinel options and splits them from the data servers' (returned as `rest`).
 * `url`, `host` and `port` are refused next to `sentinels`: the sentinels name the servers.
 */
export function resolveSentinelOptions<T extends object>(config: T & RedisSentinelOptions): { sentinel: ResolvedSentinelOptions; rest: Omit<T, keyof RedisSentinelOptions> } {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (!sentinelKeys.has(key)) rest[key] = value;
  for (const key of ['url', 'host', 'port']) {
    if (rest[key] !== undefined) fail(key, 'not allowed with `sentinels`: the sentinels name the server (use username, password and db for the rest)');
  }
  const { sentinels, name, role = 'primary', sentinelUsername, sentinelPassword } = config;
  if (!Array.isArray(sentinels) || sentinels.length === 0) fail('sentinels', `expected a non-empty array of { host, port } or 'host:port', got ${describeValue(sentinels)}`);
  const addresses = sentinels.map((entry, index) => parseNodeAddress(entry, `sentinels[${index}]`, 26_379));
  if (typeof name !== 'string' || name === '' || /\s/.test(name)) fail('name', `expected the master name the sentinels monitor (a non-empty string without spaces), got ${describeValue(name)}`);
  if (role !== 'primary' && role !== 'replica') fail('role', `expected 'primary' or 'replica', got ${describeValue(role)}`);
  if (sentinelUsername !== undefined && typeof sentinelUsername !== 'string') fail('sentinelUsername', `expected a string, got ${describeValue(sentinelUsername)}`);
  if (sentinelPassword !== undefined && typeof sentinelPassword !== 'string') fail('sentinelPassword', 'expected a string');
  const timeoutMs = numberOption(config.sentinelTimeoutMs, 'sentinelTimeoutMs', 1_000, { minimum: 1, integer: false });
  return {
    sentinel: { sentinels: addresses, name, role, username: sentinelUsername, password: sentinelPassword, timeoutMs },
    rest: rest as Omit<T, keyof RedisSentinelOptions>,
  };
}
