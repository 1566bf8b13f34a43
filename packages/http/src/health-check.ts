import { assertKnownKeys, PoolOptionError } from '@pool/core';
import { hide } from './hidden.js';
import type { Dispatcher } from 'undici';
import { HttpPoolError } from './errors.js';

/** How a connection's health request is made. */
export interface HealthCheckOptions {
  /** Path requested. @default '/health' */
  path?: string;
  /** Method used. @default 'HEAD' */
  method?: 'HEAD' | 'GET' | 'OPTIONS';
  /**
   * Status codes that mean healthy: a code, a list, or a predicate. @default any 2xx when `path` is
   * given; without a `path`, any answer below 500 (a server with no `/health` route answers 404, and
   * that answer shows it is up)
   */
  expectStatus?: number | readonly number[] | ((status: number) => boolean);
  /** Extra request headers (an `authorization` from the origin's credentials is added when absent). */
  headers?: Record<string, string>;
}

/** A health check with its defaults applied. */
export interface ResolvedHealthCheck {
  readonly path: string;
  readonly method: 'HEAD' | 'GET' | 'OPTIONS';
  readonly accepts: (status: number) => boolean;
  readonly headers: Record<string, string>;
}

const is2xx = (status: number) => status >= 200 && status < 300;
// the default check, sent to an endpoint the user never named: any answer but a server error shows the server is up
const answered = (status: number) => status < 500;

/** Checks and completes the `healthCheck` option; `false` turns the request off (the ping is then the socket-liveness check alone). */
const healthCheckKeys = new Set(['path', 'method', 'expectStatus', 'headers']);

export function resolveHealthCheck(option: HealthCheckOptions | false | undefined, authorization: string | undefined): ResolvedHealthCheck | false {
  if (option === false) return false;
  const source = option ?? {};
  if (typeof source !== 'object' || source === null) throw new PoolOptionError('healthCheck', 'Expected `healthCheck` to be an object or false');
  assertKnownKeys(source, healthCheckKeys, undefined, 'healthCheck.');
  const path = source.path ?? '/health';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new PoolOptionError('healthCheck.path', 'Expected `healthCheck.path` to be a path starting with "/"');
  const method = source.method ?? 'HEAD';
  if (method !== 'HEAD' && method !== 'GET' && method !== 'OPTIONS') throw new PoolOptionError('healthCheck.method', 'Expected `healthCheck.method` to be HEAD, GET or OPTIONS');
  const expect = source.expectStatus;
  let accepts: (status: number) => boolean;
  if (expect === undefined) accepts = source.path === undefined ? answered : is2xx;
  else if (typeof expect === 'number') accepts = (status) => status === expect;
  else if (Array.isArray(expect)) {
    const allowed = new Set<number>(expect as readonly number[]);
    accepts = (status) => allowed.has(status);
  } else if (typeof expect === 'function') accepts = expect as (status: number) => boolean;
  else throw new PoolOptionError('healthCheck.expectStatus', 'Expected `healthCheck.expectStatus` to be a status, a list of statuses or a function');
  const headers: Record<string, string> = { ...(source.headers ?? {}) };
  if (authorization !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers.authorization = authorization;
  return hide({ path, method, accepts, headers }, 'headers');
}

/**
 * Sends the health request on `dispatcher` and resolves when the status is accepted; rejects with
 * HTTP_HEALTH_CHECK_FAILED otherwise (the body is drained so the connection stays reusable).
 */
export async function runHealthCheck(dispatcher: Dispatcher, check: ResolvedHealthCheck, signal: AbortSignal, origin: string): Promise<void> {
  // reset: false keeps the connection: undici otherwise closes it after every HEAD (for servers that wrongly send a body)
  const response = await dispatcher.request({ method: check.method, path: check.path, headers: check.headers, signal, reset: false });
  await response.body.dump();
  if (!check.accepts(response.statusCode)) {
    throw new HttpPoolError('HTTP_HEALTH_CHECK_FAILED', `health check ${check.method} ${check.path} on ${origin} answered ${response.statusCode}`, { origin });
  }
}
