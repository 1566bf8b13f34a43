/**
 * Errors of the Sentinel and Cluster pools, each with a stable `code`:
 * - `REDIS_CROSS_SLOT`: the keys of one cluster call hash to different slots (Redis would answer
 *   CROSSSLOT); `slots` maps each slot to its keys. Raised before anything is sent.
 * - `REDIS_SLOT_UNCOVERED`: no primary serves the key's slot (the cluster is down or being set up).
 * - `REDIS_TOPOLOGY_UNAVAILABLE`: no seed node or sentinel answered; `cause` is the last error.
 * - `REDIS_NO_SERVER`: the sentinels do not know the master name, or name no healthy replica.
 * - `REDIS_ROLE_MISMATCH`: the server a sentinel named is not (or no longer) in the wanted role; a
 *   create failing with it is retried, as the sentinels catch up with a failover.
 * - `REDIS_TOO_MANY_REDIRECTS`: MOVED/ASK kept coming after the retry.
 */
export type RedisTopologyErrorCode =
  | 'REDIS_CROSS_SLOT'
  | 'REDIS_SLOT_UNCOVERED'
  | 'REDIS_TOPOLOGY_UNAVAILABLE'
  | 'REDIS_NO_SERVER'
  | 'REDIS_ROLE_MISMATCH'
  | 'REDIS_TOO_MANY_REDIRECTS';

export class RedisTopologyError extends Error {
  readonly code: RedisTopologyErrorCode;
  /** REDIS_CROSS_SLOT: slot -> the call's keys in it. */
  readonly slots?: Record<number, string[]>;

  constructor(code: RedisTopologyErrorCode, message: string, options?: { cause?: unknown; slots?: Record<number, string[]> }) {
    super(`[@pool/redis] ${message}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'RedisTopologyError';
    this.code = code;
    if (options?.slots !== undefined) this.slots = options.slots;
  }
}

/** True when `error` is a {@link RedisTopologyError}, optionally with the given code (works across copies of the package). */
export function isRedisTopologyError(error: unknown, code?: RedisTopologyErrorCode): error is RedisTopologyError {
  if (!(error instanceof Error) || error.name !== 'RedisTopologyError') return false;
  const actual = (error as { code?: unknown }).code;
  return typeof actual === 'string' && actual.startsWith('REDIS_') && (code === undefined || actual === code);
}
