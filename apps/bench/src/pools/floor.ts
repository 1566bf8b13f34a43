import type { PoolContender } from './types.js';

const nothing = Promise.resolve(undefined);

/**
 * The floor: no pool at all, one `await Promise.resolve()` per acquire and nothing per release. It
 * ignores `max`, so on W3 and W4 its callers never queue: it bounds the cost of the loop itself.
 */
export const floor: PoolContender = {
  name: 'Promise floor',
  reference: true,
  note: 'reference: `await Promise.resolve()` per operation, no pool, ignores max',
  create() {
    return {
      acquire: () => nothing,
      release: () => {},
      close: () => Promise.resolve(),
    };
  },
};
