import type { LeaseOwner } from './lease.js';

/** The states of a pooled resource. */
export enum SlotState {
  /** In the idle ring, ready to lend. */
  Idle,
  /** Out of the ring: lent to a caller, or held by the pool for a ping or a reset. */
  Busy,
  /** Handed to destroy; never used again. */
  Dead,
}

/** The pool's record of one resource. */
export class Slot<R> {
  state = SlotState.Busy;
  /** Times lent, counted only when `maxUses` is set. */
  uses = 0;
  /** When it last went idle (coarse clock). */
  releasedAt: number;
  /** When it was last known healthy: created, validated or pinged. */
  checkedAt: number;
  /** When it was lent (set only while leak detection is on or events want hold times). */
  borrowedAt = 0;
  /** The current borrower's acquire stack, while lent with leak detection on (also marks it lent). */
  stack: string | undefined = undefined;
  leaked = false;

  constructor(
    /** The pool this resource belongs to. */
    readonly owner: LeaseOwner<R>,
    readonly resource: R,
    readonly createdAt: number,
    /** createdAt + maxLifetime minus jitter: rotated once past this. */
    readonly expiresAt: number,
    /** The pool's generation at create time; `evictAll` bumps the pool's. */
    readonly generation: number,
  ) {
    this.releasedAt = createdAt;
    this.checkedAt = createdAt;
  }
}
