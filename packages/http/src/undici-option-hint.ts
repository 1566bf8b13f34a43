import { PoolOptionError } from '@pool/core';

/** Options of undici's `Pool` that have another name or place here. */
const poolOptionHints: Readonly<Record<string, string>> = {
  connections: 'is `pool: { max }` here (connections per origin)',
  clientTtl: 'is `pool: { maxLifetimeMs }` here (a connection\'s lifetime)',
  factory: 'has no equivalent: each connection is an undici `Client` made by this package',
};

/** undici `Client` options, which go in `client` here (`Pool` takes them at its top level). */
const clientOptionNames = new Set([
  'allowH2', 'autoSelectFamily', 'autoSelectFamilyAttemptTimeout', 'bodyTimeout', 'connectTimeout', 'headersTimeout',
  'keepAliveMaxTimeout', 'keepAliveTimeout', 'keepAliveTimeoutThreshold', 'localAddress', 'maxCachedSessions',
  'maxConcurrentStreams', 'maxHeaderSize', 'maxRequestsPerClient', 'maxResponseSize', 'pingInterval', 'socketPath',
  'strictContentLength', 'useH2c',
]);

/**
 * Refuses, with a pointer to where it goes, an option written for `new Pool(origin, options)`
 * (`connections`, `headersTimeout`, ...) given at the top level of `createHttpPool`'s options,
 * where an "Unknown option" alone would leave someone moving from undici's Pool guessing.
 */
export function assertNoUndiciPoolOptions(options: object, where: string): void {
  for (const key of Object.keys(options)) {
    const hint = poolOptionHints[key] ?? (clientOptionNames.has(key) ? `is an undici Client option: pass it as \`client: { ${key} }\`` : undefined);
    if (hint !== undefined) throw new PoolOptionError(key, `Unknown option \`${key}\` for ${where}: undici Pool's \`${key}\` ${hint}`);
  }
}
