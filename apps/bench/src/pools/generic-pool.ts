import genericPool from 'generic-pool';
import { makeResource, type FakeResource } from './resource.js';
import type { PoolContender } from './types.js';

/** generic-pool 3.9 through its `createPool(factory, { max })`, acquire and release(resource). */
export const genericPoolContender: PoolContender = {
  name: 'generic-pool 3.9',
  reference: false,
  note: 'defaults except max (min 0, no acquireTimeoutMillis, no testOnBorrow)',
  create(max) {
    const pool = genericPool.createPool<FakeResource>(
      { create: () => Promise.resolve(makeResource()), destroy: () => Promise.resolve() },
      { max, min: 0 },
    );
    return {
      acquire: () => pool.acquire(),
      release: (resource) => {
        void pool.release(resource as FakeResource);
      },
      close: async () => {
        await pool.drain();
        await pool.clear();
      },
    };
  },
};
