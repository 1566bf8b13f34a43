import { PoolError } from './errors.js';
import { SlotState, type Slot } from './slot.js';

/** The pool side of a lease. */
export interface LeaseOwner<R> {
  readonly name: string;
  releaseSlot(slot: Slot<R>): void;
  destroySlot(slot: Slot<R>, reason: unknown): void;
}

/**
 * One borrow of one resource. Give it back exactly once: `release()` to reuse the resource,
 * `destroy()` to throw it away. `await using lease = await pool.acquire()` releases at scope end.
 *
 * A lease is two fields (one is allocated per acquire, so it stays small): the slot it came from,
 * which knows its pool, and the resource. If close() destroyed the resource while it was lent, a
 * release is a no-op: the pool sees the slot is dead.
 */
export class Lease<R> {
  /** The borrowed resource. Do not use it after release. */
  readonly resource: R;
  private slot: Slot<R> | null;

  constructor(slot: Slot<R>) {
    this.slot = slot;
    this.resource = slot.resource;
  }

  /** True once released or destroyed, or once close() destroyed the resource after its timeout. */
  get released(): boolean {
    return this.slot === null || this.slot.state === SlotState.Dead;
  }

  /** Gives the resource back for reuse. A second call throws POOL_LEASE_RELEASED. */
  release(): void {
    const slot = this.slot;
    if (slot === null) return this.refuse('release');
    this.slot = null;
    slot.owner.releaseSlot(slot); // a no-op for a slot close() destroyed
  }

  /** Destroys the resource instead of reusing it (after a connection-level error). A second call throws POOL_LEASE_RELEASED. */
  destroy(reason?: unknown): void {
    const slot = this.slot;
    if (slot === null) return this.refuse('destroy');
    this.slot = null;
    slot.owner.destroySlot(slot, reason);
  }

  /** Releases unless already released or destroyed. */
  [Symbol.dispose](): void {
    if (!this.released) this.release();
  }

  /** Releases unless already released or destroyed. */
  [Symbol.asyncDispose](): Promise<void> {
    if (!this.released) this.release();
    return Promise.resolve();
  }

  private refuse(action: string): never {
    throw new PoolError('POOL_LEASE_RELEASED', `cannot ${action}: this lease was already released or destroyed`);
  }
}
