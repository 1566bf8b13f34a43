import { Ring } from './ring.js';
import { SlotState, type Slot } from './slot.js';

/**
 * Where the pool's resources sit: the idle ring (LIFO reuses the warmest, FIFO spreads use) and the
 * count of members, idle or busy (lent, or held by the pool for a ping or a reset). A slot's `state`
 * says which; only the shelf changes it. Busy is members minus idle, so lending and taking back
 * count nothing.
 */
export class Shelf<R> {
  private readonly idle = new Ring<Slot<R>>();
  private members = 0;

  constructor(private readonly lifo: boolean) {}

  get idleCount(): number {
    return this.idle.length;
  }

  get borrowed(): number {
    return this.members - this.idle.length;
  }

  /** The next idle slot, now busy. */
  take(): Slot<R> | undefined {
    const slot = this.lifo ? this.idle.pop() : this.idle.shift();
    if (slot !== undefined) slot.state = SlotState.Busy;
    return slot;
  }

  /** A busy slot goes idle. */
  put(slot: Slot<R>): void {
    slot.state = SlotState.Idle;
    this.idle.push(slot);
  }

  /** Every idle slot, oldest released first, now busy. */
  takeAll(): Slot<R>[] {
    const all = this.idle.drain();
    for (const slot of all) slot.state = SlotState.Busy;
    return all;
  }

  /** A slot that just joined the pool: busy until offered. */
  admit(slot: Slot<R>): void {
    slot.state = SlotState.Busy;
    this.members++;
  }

  /** A busy slot leaves for good: dead, so a lease still holding it releases as a no-op. */
  discharge(slot: Slot<R>): void {
    slot.state = SlotState.Dead;
    this.members--;
  }
}
