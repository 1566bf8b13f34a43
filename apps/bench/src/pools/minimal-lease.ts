import { makeResource, type FakeResource } from './resource.js';
import type { PoolContender } from './types.js';

/** A per-borrow handle: two fields, like @pool/core's Lease. */
class Handle<R> {
  constructor(
    readonly resource: R,
    readonly pool: MinimalLeasePool<R>,
  ) {}
}

/**
 * The hand-written pool (minimal-pool.ts, line for line) except that each acquire resolves with a
 * new Handle instead of the resource itself.
 */
class MinimalLeasePool<R> {
  private readonly idle: R[] = [];
  private waiters: (((handle: Handle<R>) => void) | undefined)[] = [];
  private head = 0;
  private size = 0;

  constructor(
    private readonly create: () => Promise<R>,
    private readonly max: number,
  ) {}

  acquire(): Promise<Handle<R>> {
    const resource = this.idle.pop();
    if (resource !== undefined) return Promise.resolve(new Handle(resource, this));
    if (this.size < this.max) {
      this.size++;
      return this.create().then((created) => new Handle(created, this));
    }
    return new Promise<Handle<R>>((resolve) => {
      this.waiters.push(resolve);
    });
  }

  release(handle: Handle<R>): void {
    if (this.head < this.waiters.length) {
      const resolve = this.waiters[this.head] as (handle: Handle<R>) => void;
      this.waiters[this.head++] = undefined;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      }
      resolve(new Handle(handle.resource, this));
    } else {
      this.idle.push(handle.resource);
    }
  }
}

/**
 * Informational: what a per-borrow handle costs (the object a lease needs to refuse a second
 * release) and nothing else. Ratios stay against the plain hand-written pool.
 */
export const minimalLease: PoolContender = {
  name: 'hand-written + lease',
  reference: true,
  note: 'reference: the hand-written pool resolving each acquire with a new two-field object (a per-borrow lease) instead of the resource',
  create(max) {
    const pool = new MinimalLeasePool<FakeResource>(() => Promise.resolve(makeResource()), max);
    return {
      acquire: () => pool.acquire(),
      release: (handle) => pool.release(handle as Handle<FakeResource>),
      close: () => Promise.resolve(),
    };
  },
};
