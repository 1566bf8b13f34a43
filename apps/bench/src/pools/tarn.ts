import { Pool } from 'tarn';
import { makeResource, type FakeResource } from './resource.js';
import type { PoolContender } from './types.js';

/** tarn 3.1 through `new Pool({ create, destroy, min, max })`, `acquire().promise` and release(resource). */
export const tarnContender: PoolContender = {
  name: 'tarn 3.1',
  reference: false,
  note: 'defaults except min 0 (required) and max (so acquireTimeoutMillis 30000)',
  create(max) {
    const pool = new Pool<FakeResource>({
      create: () => Promise.resolve(makeResource()),
      destroy: () => {},
      min: 0,
      max,
    });
    return {
      acquire: () => pool.acquire().promise,
      release: (resource) => {
        pool.release(resource as FakeResource);
      },
      close: () => pool.destroy().then(() => undefined),
    };
  },
};
