import type { ClientOptions, WebSocket } from 'ws';
import { assertKnownKeys, numberOption, PoolOptionError } from '@pool/core';
import { redactUrl, scrubText } from '@pool/core/adapter-kit';

/** Options of {@link wsProvider}. */
export interface WsProviderOptions {
  /** `ws://` or `wss://` endpoint. Credentials in it (`user:pass@`, `?token=`) never appear in errors. */
  url: string | URL;
  /** Sub-protocols to offer (`Sec-WebSocket-Protocol`). */
  protocols?: string | string[];
  /** Extra handshake headers, e.g. `Authorization`. Their values never appear in errors. */
  headers?: Record<string, string>;
  /** Budget for TCP connect, TLS and the HTTP upgrade. @default 10000 */
  handshakeTimeoutMs?: number;
  /** On destroy: how long to wait for the server's close frame before terminating the socket. @default 1000 */
  closeTimeoutMs?: number;
  /**
   * Anything else of ws's `ClientOptions`: `ca` and `rejectUnauthorized` for wss (verification is on
   * unless you set `rejectUnauthorized: false`), `perMessageDeflate`, `maxPayload`, `origin`...
   */
  clientOptions?: Omit<ClientOptions, 'headers' | 'handshakeTimeout'>;
  /** Runs on release after the built-in cleanup; `false` or a throw destroys the socket. */
  reset?: (ws: WebSocket) => Promise<boolean> | boolean;
}

/** Options after defaults and checks. */
export interface ResolvedWsOptions {
  url: string;
  /** The URL with credentials replaced by `***`, for messages. */
  safeUrl: string;
  protocols: string | string[] | undefined;
  headers: Record<string, string>;
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  clientOptions: Omit<ClientOptions, 'headers' | 'handshakeTimeout'>;
  reset: WsProviderOptions['reset'];
  /** Values that must never appear in a message: URL credentials, secret query values, sensitive header values. */
  secrets: string[];
}

const known = new Set(['url', 'protocols', 'headers', 'handshakeTimeoutMs', 'closeTimeoutMs', 'clientOptions', 'reset']);
const sensitiveHeader = /auth|cookie|token|key|secret|session|password|signature/i;
/** Query parameters whose values are secrets in WebSocket URLs (wider than a database URL's). */
const secretParams = /^(token|access_token|id_token|refresh_token|auth|authorization|password|passwd|pwd|pass|secret|client_secret|key|api_key|apikey|api-key|signature|sig|jwt|session|sessionid|code|ticket|credential|credentials)$/i;

/**
 * The URL for messages: @pool/core's `redactUrl` (password and password-like parameters), then its
 * `scrubText` with this endpoint's secrets (the user name, token-like parameters, header values).
 */
function displayUrl(url: URL, secrets: readonly string[]): string {
  return scrubText(redactUrl(url.toString()), secrets).replace(/%2A%2A%2A/g, '***');
}


function secretsOf(url: URL, headers: Record<string, string>): string[] {
  const secrets = new Set<string>();
  const add = (value: string) => {
    if (value.length === 0) return;
    secrets.add(value);
    try {
      const decoded = decodeURIComponent(value);
      secrets.add(decoded);
      secrets.add(encodeURIComponent(decoded));
    } catch {
      // not percent-encoded
    }
  };
  // a short user name is no secret worth garbling every message for
  if (url.username.length >= 4) add(url.username);
  add(url.password);
  for (const [name, value] of url.searchParams) if (secretParams.test(name)) add(value);
  for (const [name, value] of Object.entries(headers)) {
    if (!sensitiveHeader.test(name)) continue;
    add(value);
    const space = value.indexOf(' ');
    if (space !== -1) add(value.slice(space + 1)); // "Bearer <token>": the token alone too
  }
  // longest first, so a secret that contains another is removed whole
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** Applies defaults and checks every option; throws {@link PoolOptionError} (code POOL_INVALID_OPTION) naming the bad one. */
export function resolveWsOptions(options: WsProviderOptions): ResolvedWsOptions {
  if (typeof options !== 'object' || options === null) throw new PoolOptionError('options', 'Expected an options object with at least `url`');
  assertKnownKeys(options, known, 'wsProvider');
  let parsed: URL;
  try {
    parsed = new URL(String(options.url));
  } catch {
    // the string itself is never echoed: it may hold a token
    throw new PoolOptionError('url', 'Expected `url` to be a ws:// or wss:// URL (the value given does not parse)');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new PoolOptionError('url', `Expected \`url\` to be a ws:// or wss:// URL, got a ${parsed.protocol} URL (${displayUrl(parsed, secretsOf(parsed, {}))})`);
  }
  const protocols = options.protocols;
  if (protocols !== undefined && typeof protocols !== 'string' && !(Array.isArray(protocols) && protocols.every((p) => typeof p === 'string'))) {
    throw new PoolOptionError('protocols', 'Expected `protocols` to be a string or an array of strings');
  }
  const headers = options.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw new PoolOptionError('headers', 'Expected `headers` to be an object of string values');
  }
  const clientOptions = options.clientOptions ?? {};
  if (typeof clientOptions !== 'object' || clientOptions === null || Array.isArray(clientOptions)) throw new PoolOptionError('clientOptions', 'Expected `clientOptions` to be an object');
  if ('headers' in clientOptions || 'handshakeTimeout' in clientOptions) {
    throw new PoolOptionError('clientOptions', 'Pass `headers` and `handshakeTimeoutMs` as options of their own, not in `clientOptions`');
  }
  if (options.reset !== undefined && typeof options.reset !== 'function') throw new PoolOptionError('reset', `Expected \`reset\` to be a function, got ${typeof options.reset}`);
  const secrets = secretsOf(parsed, headers);
  const resolved: ResolvedWsOptions = {
    url: parsed.toString(),
    safeUrl: displayUrl(parsed, secrets),
    protocols,
    headers: { ...headers },
    handshakeTimeoutMs: numberOption(options.handshakeTimeoutMs, 'handshakeTimeoutMs', 10_000, { minimum: 1, allowInfinity: true }),
    closeTimeoutMs: numberOption(options.closeTimeoutMs, 'closeTimeoutMs', 1000, { minimum: 0 }),
    clientOptions: { ...clientOptions },
    reset: options.reset,
    secrets,
  };
  // credentials (URL user info, Authorization headers, TLS keys) stay usable but out of
  // console.log / util.inspect of the provider and the pool
  for (const key of ['url', 'headers', 'clientOptions', 'secrets'] as const) {
    Object.defineProperty(resolved, key, { value: resolved[key], enumerable: false, writable: false, configurable: false });
  }
  return resolved;
}
