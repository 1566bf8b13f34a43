import type { WaitPlace } from '@pool/core';

/**
 * Where a caller waits for a lone origin's connection: core's `WaitPlace`, linked into a {@link Line}
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
