// Reading the clock costs about as much as a whole acquire+release on Node 20, so the pool reads it
// as little as it can, two ways.
//
// `performance` is a lazy getter on the global object, and going through it costs more than the
// reading itself (~180 of ~500 instructions). The clock keeps the object and reads the global again
// only when `setImmediate` is no longer the one it saw: fake timers (vitest, sinon) replace
// `setImmediate` and `performance` together, so a switch to or from them is caught by one cheap
// identity check of a plain data property.
//
// The hot path uses `coarseNow()`: one reading per event-loop turn, taken on the first call of the
// turn and cached until a setImmediate scheduled at that reading drops it. A value is stale by at
// most the synchronous run of its turn, and stale means earlier, never later: every coarse use
// tolerates that (a release stamped early makes a resource look idle longer, so it is evicted or
// validated a little sooner; a lifetime checked early rotates a little later). An acquire deadline,
// which must never be early, reads the exact clock, `now()`, instead (see Pool.wait). Bounding the
// staleness by a count of calls as well cost the hot loop (W2) 7% and bounded nothing that matters.
//
// The coarse value is rounded UP to a whole millisecond: a small integer is stored and compared
// without boxing, and idle and lifetime bookkeeping needs no finer grain. Past 2^31 ms of uptime
// (24.8 days) the values stop being small integers and get a little slower, never wrong.

let performanceNow: typeof performance = globalThis.performance;
let timersSeen: unknown = setImmediate;
let cached = 0;
let valid = false;

function expire(): void {
  valid = false;
}

/** After a switch to or from fake timers: read `performance` again and drop the other clock's cached value. */
function followTimers(): void {
  const current = setImmediate;
  if (current === timersSeen) return;
  timersSeen = current;
  performanceNow = globalThis.performance;
  valid = false;
}

/** The time in whole ms (rounded up), read at most once per event-loop turn. */
export function coarseNow(): number {
  // this line is all that is inlined into acquire and release: the rest is out of line
  return valid && setImmediate === timersSeen ? cached : readCoarse();
}

function readCoarse(): number {
  followTimers();
  cached = Math.ceil(performanceNow.now());
  valid = true;
  setImmediate(expire);
  return cached;
}

/** The exact time in ms (performance.now()). */
export function now(): number {
  if (setImmediate !== timersSeen) followTimers();
  return performanceNow.now();
}
