import { createPool, type Lease } from '@pool/core';
import { makeResource, type FakeResource } from './resource.js';
import type { PoolContender } from './types.js';

/** @pool/core with its default options except `max`, driven by `acquire()` and `lease.release()`. */
export const core: PoolContender = {
  name: '@pool/core',
  reference: false,
  note: 'defaults except max (so acquireTimeoutMs 30000, one deadline timer; no validate/reset hooks)',
  create(max) {
    const pool = createPool<FakeResource>({ create: () => Promise.resolve(makeResource()) }, { max });
    return {
      acquire: () => pool.acquire(),
      release: (lease) => (lease as Lease<FakeResource>).release(),
      close: () => pool.close(),
    };
  },
};
