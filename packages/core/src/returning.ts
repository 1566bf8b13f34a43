import { Alarm } from './alarm.js';
import { now } from './clock.js';
import type { Slot } from './slot.js';

/**
 * Resources on their way back: one in an asynchronous reset (a driver waiting for the server's ready
 * signal after a failed statement, a rollback) or out for its keepalive ping is about to be lendable
 * again. A caller that arrives meanwhile waits for it rather than opening another connection, as it
 * would get that very connection from the driver's own pool, but only for as long as a create takes
 * (the last create's duration): past that it stops counting and the creator may make a new one.
 * No timer per reset: one alarm, armed only while a waiting caller is counting on one.
 */
export class Returning {
  /** How long one counts: the last create's duration (0 before any create: none counts). */
  private graceMs = 0;
  /** When each started, oldest first. */
  private readonly since = new Map<Slot<unknown>, number>();
  private readonly alarm: Alarm;

  /** `lapsed` runs when one a caller counted on stops counting (the creator looks at demand again). */
  constructor(lapsed: () => void) {
    this.alarm = new Alarm(lapsed, true);
  }

  /** A create took `durationMs`: one counts this long from now on. */
  created(durationMs: number): void {
    this.graceMs = durationMs;
  }

  /** A reset or ping of `slot` started. */
  begin(slot: Slot<unknown>): void {
    if (this.graceMs >= 1) this.since.set(slot, now());
  }

  /** The reset or ping of `slot` ended (the slot is offered or retired next). */
  end(slot: Slot<unknown>): void {
    this.since.delete(slot);
  }

  /** `uncovered` waiting callers less the resources on their way back; the alarm rings when the first of those lapses. */
  cover(uncovered: number): number {
    if (uncovered <= 0 || this.since.size === 0) return uncovered;
    const t = now();
    let counted = 0;
    let lapse = Infinity;
    for (const [slot, at] of this.since) {
      if (at + this.graceMs <= t) this.since.delete(slot);
      else {
        counted++;
        lapse = Math.min(lapse, at + this.graceMs);
      }
    }
    if (counted > 0) this.alarm.setBy(lapse);
    return uncovered - counted;
  }
}
