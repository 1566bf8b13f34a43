import type { ConnectionOptions } from 'node:tls';
import type { Socket } from 'node:net';
import { assertKnownKeys, numberOption, PoolOptionError } from '@pool/core';

/** TLS settings: Node's `tls.connect` options, minus the ones the provider sets itself. */
export type TcpTlsOptions = Omit<ConnectionOptions, 'host' | 'port' | 'socket' | 'path' | 'timeout'>;

/** Given to a `ping` hook. */
export interface PingContext {
  /** Aborted when the pool's `validateTimeoutMs` passes: stop waiting for the reply. */
  readonly signal: AbortSignal;
  /** How long the socket sat idle before this check, in ms. */
  readonly idleMs: number;
}

/** Options of {@link tcpProvider}. */
export interface TcpProviderOptions {
  /** Host name or IP address. @default 'localhost' */
  host?: string;
  /** TCP port (1-65535). Required. */
  port: number;
  /**
   * `true` or Node's `tls.connect` options to speak TLS. Certificates are verified by default; pass
   * `ca` for a private CA. `rejectUnauthorized: false` turns verification off, and only when you write it.
   * @default false
   */
  tls?: boolean | TcpTlsOptions;
  /** Budget for the TCP connect plus the TLS handshake. @default 10000 */
  connectTimeoutMs?: number;
  /** TCP keepalive probes on the socket (the kernel's, not a protocol ping). @default true */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe. @default 60000 */
  keepAliveInitialDelayMs?: number;
  /** Disable Nagle's algorithm (send small writes at once). @default true */
  noDelay?: boolean;
  /**
   * A protocol-level liveness check: write a request, await its reply (honouring `ctx.signal`),
   * resolve `true` if healthy. `false` or a throw means the socket is destroyed. Without it the pool
   * only checks socket state, which proves nothing about the peer's protocol (see README).
   */
  ping?: (socket: Socket, ctx: PingContext) => Promise<boolean | void> | boolean | void;
  /** Runs on release after the built-in cleanup; `false` or a throw destroys the socket. */
  reset?: (socket: Socket) => Promise<boolean> | boolean;
}

/** Options after defaults and checks. */
export interface ResolvedTcpOptions {
  host: string;
  port: number;
  tls: TcpTlsOptions | undefined;
  connectTimeoutMs: number;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  noDelay: boolean;
  ping: TcpProviderOptions['ping'];
  reset: TcpProviderOptions['reset'];
  /** `host:port`, for messages. */
  address: string;
}

const known = new Set(['host', 'port', 'tls', 'connectTimeoutMs', 'keepAlive', 'keepAliveInitialDelayMs', 'noDelay', 'ping', 'reset']);


function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new PoolOptionError(name, `Expected \`${name}\` to be a boolean, got ${typeof value}`);
  return value;
}

function functionOption<F>(value: unknown, name: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new PoolOptionError(name, `Expected \`${name}\` to be a function, got ${typeof value}`);
  return value as F;
}

/** Strips any `user:pass@` a host string may carry, so it can go in a message. */
function safeHost(host: string): string {
  const at = host.lastIndexOf('@');
  return at === -1 ? host : `***@${host.slice(at + 1)}`;
}

/** Applies defaults and checks every option; throws {@link PoolOptionError} (code POOL_INVALID_OPTION) naming the bad one. */
export function resolveTcpOptions(options: TcpProviderOptions): ResolvedTcpOptions {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected an options object with at least `port`');
  assertKnownKeys(options, known, 'tcpProvider');
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string' || host.length === 0) throw new PoolOptionError('host', 'Expected `host` to be a non-empty string');
  const port = options.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PoolOptionError('port', `Expected \`port\` to be an integer from 1 to 65535, got ${typeof port === 'number' ? String(port) : typeof port}`);
  }
  let tls: TcpTlsOptions | undefined;
  if (options.tls === true) tls = {};
  else if (options.tls === undefined || options.tls === false) tls = undefined;
  else if (typeof options.tls === 'object' && options.tls !== null && !Array.isArray(options.tls)) tls = { ...options.tls };
  else throw new PoolOptionError('tls', `Expected \`tls\` to be a boolean or tls.connect options, got ${Array.isArray(options.tls) ? 'an array' : typeof options.tls}`);
  const resolved: ResolvedTcpOptions = {
    host,
    port,
    tls,
    connectTimeoutMs: numberOption(options.connectTimeoutMs, 'connectTimeoutMs', 10_000, { minimum: 1, allowInfinity: true }),
    keepAlive: booleanOption(options.keepAlive, 'keepAlive', true),
    keepAliveInitialDelayMs: numberOption(options.keepAliveInitialDelayMs, 'keepAliveInitialDelayMs', 60_000, { minimum: 0 }),
    noDelay: booleanOption(options.noDelay, 'noDelay', true),
    ping: functionOption(options.ping, 'ping'),
    reset: functionOption(options.reset, 'reset'),
    address: `${safeHost(host)}:${port}`,
  };
  // TLS keys and passphrases stay usable but out of console.log / util.inspect of the provider and pool
  Object.defineProperty(resolved, 'tls', { value: tls, enumerable: false, writable: false, configurable: false });
  return resolved;
}
