import { MinimalPool } from './minimal-pool.js';
import { makeResource, type FakeResource } from './resource.js';
import type { PoolContender } from './types.js';

/** The hand-written ~40-line pool: the baseline of every ratio. */
export const minimal: PoolContender = {
  name: 'hand-written',
  reference: true,
  note: 'reference: ~40-line pool (idle array + FIFO of resolvers), see src/pools/minimal-pool.ts',
  create(max) {
    const pool = new MinimalPool<FakeResource>(() => Promise.resolve(makeResource()), max);
    return {
      acquire: () => pool.acquire(),
      release: (resource) => pool.release(resource as FakeResource),
      close: () => Promise.resolve(),
    };
  },
};
