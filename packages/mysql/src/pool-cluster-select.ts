import { PoolError } from '@pool/core';

/** mysql2's node selectors: round-robin, random, or the first online node. */
export type ClusterSelector = 'RR' | 'RANDOM' | 'ORDER';

/** Picks one id of the online nodes matching a namespace's pattern (never called with an empty list). */
export type Pick = (ids: readonly string[]) => string;

/** mysql2's selectors; `RR` keeps its own counter per namespace, as there. */
export const selectors: Readonly<Record<ClusterSelector, () => Pick>> = {
  RR() {
    let index = 0;
    return (ids) => ids[index++ % ids.length]!;
  },
  RANDOM() {
    return (ids) => ids[Math.floor(Math.random() * ids.length)]!;
  },
  ORDER() {
    return (ids) => ids[0]!;
  },
};

export function isSelector(value: unknown): value is ClusterSelector {
  return typeof value === 'string' && Object.hasOwn(selectors, value);
}

/** mysql2's pattern: `*` matches any run of characters, everything else itself; a RegExp as it is. */
export function patternRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const source = pattern.replace(/([.+?^=!:${}()|[\]/\\])/g, '\\$1').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

/**
 * mysql2's errors of a cluster that has no node to offer, with mysql2's code and text (its
 * capital N included), as a plain `Error` as there: `POOL_NOEXIST` when no node matches the
 * pattern, `POOL_NONEONLINE` when every matching node is offline (`restoreNodeTimeout`).
 */
export function noNodeError(anyOffline: boolean): Error {
  const error = anyOffline ? new Error('Pool does Not have online node.') : new Error('Pool does Not exist.');
  (error as Error & { code: string }).code = anyOffline ? 'POOL_NONEONLINE' : 'POOL_NOEXIST';
  return error;
}

/** A call on an ended cluster: mysql2's "Pool is closed." as the pool's `POOL_CLOSED`. */
export function clusterClosedError(action: string): PoolError {
  return new PoolError('POOL_CLOSED', `Pool is closed. (cannot ${action}: the pool cluster was ended)`);
}
