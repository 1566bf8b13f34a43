import type { Slot } from './slot.js';

/**
 * Resources on their way back: a resource in an asynchronous reset (a driver waiting for the
 * server's ready signal after a failed statement, a rollback) is about to be lendable again. A caller
 * that arrives meanwhile waits for it rather than opening another connection, as it would get the
 * very same connection from the driver's own pool, but only for as long as a create takes (the last
 * create's duration): past that the reset stops counting and the creator may make a new one.
 */
export class Returning {
  /** Resets in flight that still count as a resource about to come back. */
  count = 0;
  /** How long a reset counts: the last create's duration (0 before any create: none counts). */
  private graceMs = 0;
  private readonly covering = new Map<Slot<unknown>, ReturnType<typeof setTimeout>>();

  /** `lapsed` runs when a reset stops counting before it ended (the creator looks at demand again). */
  constructor(private readonly lapsed: () => void) {}

  /** A create took `durationMs`: a reset counts this long from now on. */
  created(durationMs: number): void {
    this.graceMs = durationMs;
  }

  /** An asynchronous reset of `slot` started. */
  begin(slot: Slot<unknown>): void {
    if (this.graceMs < 1) return;
    const timer = setTimeout(() => {
      if (this.covering.delete(slot)) {
        this.count--;
        this.lapsed();
      }
    }, this.graceMs);
    timer.unref?.();
    this.covering.set(slot, timer);
    this.count++;
  }

  /** The reset of `slot` ended (the slot is offered or retired next). */
  end(slot: Slot<unknown>): void {
    const timer = this.covering.get(slot);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.covering.delete(slot);
    this.count--;
  }
}
