import type { WaitPlace } from '@pool/core';

/**
 * Where a caller waits for an origin's connection: core's `WaitPlace`, linked into a {@link Line}
 * (a list threaded through the places: no Set, whose hashing of each request cost more than the rest
 * of this bookkeeping).
 */
export interface LinePlace extends WaitPlace {
  line: Line | null;
  previousInLine: LinePlace | null;
  nextInLine: LinePlace | null;
}

/** A new place for a caller that is not a request (a periodic check). */
export function linePlace(): LinePlace {
  return { ticket: undefined, line: null, previousInLine: null, nextInLine: null };
}

/** Callers waiting for a connection, first come first: a doubly linked list through their places. */
export class Line {
  first: LinePlace | null = null;
  private last: LinePlace | null = null;

  push(place: LinePlace): void {
    place.line = this;
    place.previousInLine = this.last;
    place.nextInLine = null;
    if (this.last === null) this.first = place;
    else this.last.nextInLine = place;
    this.last = place;
  }

  remove(place: LinePlace): void {
    const { previousInLine: previous, nextInLine: next } = place;
    if (previous === null) this.first = next;
    else previous.nextInLine = next;
    if (next === null) this.last = previous;
    else next.previousInLine = previous;
    place.line = null;
    place.previousInLine = null;
    place.nextInLine = null;
  }
}

/**
 * Who waits for an origin's connection, in the pool's order: the fresh-connection retries (priority
 * 1) first, then requests and periodic checks (priority 0), first come first. A lone origin fails the
 * first of them when a connect fails ({@link failFirst}); an origin taken out moves them all
 * ({@link withdrawAll}).
 */
export class WaitingLines {
  private readonly urgent = new Line();
  private readonly normal = new Line();

  /** A caller that had to wait (`place.ticket` set by core's acquireWithdrawable); `urgent`: a retry. */
  join(place: LinePlace, urgent: boolean): void {
    (urgent ? this.urgent : this.normal).push(place);
  }

  /**
   * A lone origin's connect failed: the first caller waiting for a connection, whom it would have
   * served, fails now with that error (`withdraw` rejects it with a POOL_CREATE_FAILED whose cause it
   * is; the dispatcher gives the caller the cause itself), as undici's Pool fails the request whose
   * connect failed: a connect that hangs fails its request after the connect timeout, not after
   * `downAfterFailures` attempts. The others keep waiting for the next attempt (the pool makes one at
   * once while callers wait). It does not count against the origin any more than before. (Core counts
   * the caller as rejected in its totals. With `validateAfterIdleMs`, a caller whose idle connection is
   * being checked is in line too, so a connect failing meanwhile may fail it rather than the caller
   * behind it: one caller fails either way.)
   */
  failFirst(withdraw: (place: LinePlace) => boolean): void {
    for (const line of [this.urgent, this.normal]) {
      for (let place = line.first; place !== null; place = line.first) {
        line.remove(place);
        // false: it was served or failed meanwhile, and has not heard it yet
        if (withdraw(place)) return;
      }
    }
  }

  /**
   * The origin was taken out: every caller still waiting leaves the line and is withdrawn (rejected,
   * so it goes to another origin). Those `withdraw` finds served meanwhile have not heard it yet.
   */
  withdrawAll(withdraw: (place: LinePlace) => boolean): void {
    for (const line of [this.urgent, this.normal]) {
      for (let place = line.first; place !== null; place = line.first) {
        line.remove(place);
        withdraw(place);
      }
    }
  }
}
