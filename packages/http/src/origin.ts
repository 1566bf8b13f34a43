import { PoolOptionError } from '@pool/core';
import { redactUrl } from '@pool/core/adapter-kit';
import { hide } from './hidden.js';

/** An origin as the pool uses it: credentials taken out of the URL, kept apart, never printed. */
export interface ParsedOrigin {
  /** `protocol://host:port`, without credentials: what undici's `Client` is given. */
  readonly origin: string;
  /** The same origin for messages and logs: `http://user:***@host:port` when it had a password. */
  readonly display: string;
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  /** `Basic ...` when the URL carried `user:pass@`, sent on requests that set no `authorization` header. */
  readonly authorization: string | undefined;
}

/**
 * Parses and checks an origin (`http://host:port`, optionally with `user:pass@`). Anything but an
 * origin (a path, query or fragment) is refused with POOL_INVALID_OPTION, whose message is redacted.
 */
export function parseOrigin(input: string | URL, option = 'origin'): ParsedOrigin {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    throw new PoolOptionError(option, `Expected \`${option}\` to be an http(s) URL, got ${typeof input === 'string' ? JSON.stringify(redactUrl(input)) : typeof input}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PoolOptionError(option, `Expected \`${option}\` to use http: or https:, got ${url.protocol}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new PoolOptionError(option, `Expected \`${option}\` to be an origin (scheme, host and port only), got a path, query or fragment`);
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const authorization = username || password ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : undefined;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const hostPort = `${url.hostname}:${port}`;
  const origin = `${url.protocol}//${hostPort}`;
  const display = authorization ? `${url.protocol}//${url.username}${password ? ':***' : ''}@${hostPort}` : origin;
  // the credentials stay usable but out of util.inspect / JSON of the pool
  return hide({ origin, display, protocol: url.protocol, hostname: url.hostname, port, authorization }, 'authorization');
}
