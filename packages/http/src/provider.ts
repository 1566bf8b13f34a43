import type { ResourceProvider } from '@pool/core';
import { assertKnownKeys, describeValue, PoolOptionError } from '@pool/core';
import type { buildConnector, Client } from 'undici';
import { connectSocket } from './connect-socket.js';
import { createTimeoutFor } from './create-timeout.js';
import { socketConnector } from './socket-connector.js';
import { HttpConnection } from './connection.js';
import { resolveHealthCheck, runHealthCheck, type HealthCheckOptions } from './health-check.js';
import { isFatalHttpError } from './is-fatal.js';
import { parseOrigin, type ParsedOrigin } from './origin.js';

/** undici `Client` options the provider passes through (it supplies `connect` and `pipelining` itself). */
export type HttpClientOptions = Omit<Client.Options, 'connect' | 'pipelining'>;

/** Options of {@link httpProvider}. */
export interface HttpProviderOptions {
  /** The one origin every connection goes to: `http(s)://[user:pass@]host[:port]`. */
  origin: string | URL;
  /** Socket options for undici's connector (`timeout`, `keepAlive`, TLS options such as `ca`, `rejectUnauthorized`). */
  connect?: buildConnector.BuildOptions;
  /** Requests a connection may carry at once (HTTP/1.1 pipelining), passed to the `Client`. @default 1 */
  pipelining?: number;
  /** The ping: a health request, or `false` for the socket-liveness check alone. @default { method: 'HEAD', path: '/health', expectStatus: 2xx } */
  healthCheck?: HealthCheckOptions | false;
  /** Other undici `Client` options (`keepAliveTimeout`, `headersTimeout`, `bodyTimeout`, `allowH2`, `pingInterval`, ...). */
  client?: HttpClientOptions;
}

/** The provider plus what the pooled dispatcher needs to know about its origin. */
export interface HttpProvider extends ResourceProvider<HttpConnection> {
  readonly origin: ParsedOrigin;
  /**
   * The @pool/core `createTimeoutMs` this provider needs: its connect timeout (`connect.timeout`, else
   * `client.connectTimeout`, else undici's 10 s) plus 1.5 s; `Infinity` when the connect timeout is off.
   * Pass it to your own pool (`createPool(provider, { createTimeoutMs: provider.createTimeoutMs })`)
   * so a connect that hangs fails with undici's `ConnectTimeoutError` (`UND_ERR_CONNECT_TIMEOUT`).
   * Core's default (10 s) equals undici's connect timeout: the two timers race, and core's exact one
   * usually wins over undici's (which ticks about once a second), so the create fails with core's
   * "create timed out after 10000 ms" instead. `createHttpPool` sets it for you.
   */
  readonly createTimeoutMs: number;
}

/** The keys {@link httpProvider} accepts. */
export const providerKeys: ReadonlySet<string> = new Set(['origin', 'connect', 'pipelining', 'healthCheck', 'client']);

/**
 * A @pool/core provider of HTTP connections to one origin: each resource is an undici `Client`
 * bound to one socket. The ping is the health request (or socket liveness with `healthCheck: false`);
 * a connection is broken once its socket closed or its client was closed or destroyed.
 */
export function httpProvider(options: HttpProviderOptions): HttpProvider {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected httpProvider options to be an object');
  assertKnownKeys(options, providerKeys, 'httpProvider');
  const origin = parseOrigin(options.origin);
  const pipelining = options.pipelining ?? 1;
  if (typeof pipelining !== 'number' || !Number.isInteger(pipelining) || pipelining < 1) {
    throw new PoolOptionError('pipelining', `Expected \`pipelining\` to be an integer >= 1, got ${String(pipelining)}`);
  }
  if (options.connect !== undefined && (typeof options.connect !== 'object' || options.connect === null || Array.isArray(options.connect))) {
    throw new PoolOptionError('connect', `Expected \`connect\` to be an object of undici connector options, got ${describeValue(options.connect)}`);
  }
  const client = options.client ?? {};
  if (typeof client !== 'object' || client === null || Array.isArray(client)) throw new PoolOptionError('client', 'Expected `client` to be an object of undici Client options');
  if ('connect' in client || 'pipelining' in client) throw new PoolOptionError('client', 'Pass `connect` and `pipelining` at the top level, not inside `client`');
  const healthCheck = resolveHealthCheck(options.healthCheck, origin.authorization);
  const connector = socketConnector(options.connect, client);
  const clientOptions: Client.Options = { ...client, pipelining };

  return {
    origin,
    createTimeoutMs: createTimeoutFor(options.connect, client),
    async create({ signal }) {
      const startedAt = performance.now();
      const socket = await connectSocket(connector, origin, signal, client.localAddress ?? undefined);
      return new HttpConnection(origin, socket, clientOptions, performance.now() - startedAt);
    },
    destroy: (connection) => connection.destroy(),
    async validate(connection, { signal }) {
      if (connection.broken) return false;
      if (healthCheck === false) return true;
      await runHealthCheck(connection.client, healthCheck, signal, origin.display);
      return !connection.broken;
    },
    isBroken: (connection) => connection.broken,
    isFatal: isFatalHttpError,
  };
}
