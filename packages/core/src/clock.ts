// Reading the clock costs about as much as a whole acquire+release (~50 ns on Node 20), so the hot
// path uses `coarseNow()`: performance.now() re-read on every 32nd call, and always on the first
// call of an event-loop turn (a setImmediate scheduled at a read drops the cached value). Between two
// reads only 31 pool operations run, so the value is usually microseconds old, but the caller's own
// synchronous work between two pool calls ages it too: an acquire deadline, which must never be early,
// reads the exact clock instead (see Pool.wait).
//
// It is rounded UP to a whole millisecond: a small integer is stored and compared without boxing
// (W2 measured 7% faster than with the fractional value), and idle and lifetime bookkeeping needs no
// finer grain. Past 2^31 ms of uptime (24.8 days) the values stop being small integers and get a
// little slower, never wrong.

let cached = 0;
let callsLeft = 0;
let expiryPending = false;
// the setImmediate that will drop the cache; if a test swaps timer implementations, the cache is dropped
let scheduledWith: unknown = undefined;

function expire(): void {
  expiryPending = false;
  callsLeft = 0;
}

/** The time in whole ms (rounded up), at most 31 calls (a few microseconds) old. */
export function coarseNow(): number {
  // the identity check catches a switch to or from fake timers (which replace setImmediate and
  // performance.now together): a cached value from the other clock must never be used
  const setImmediateNow = globalThis.setImmediate;
  if (callsLeft > 0 && scheduledWith === setImmediateNow) {
    callsLeft--;
    return cached;
  }
  cached = Math.ceil(performance.now());
  callsLeft = 31;
  if (!expiryPending || scheduledWith !== setImmediateNow) {
    expiryPending = true;
    scheduledWith = setImmediateNow;
    setImmediateNow(expire);
  }
  return cached;
}

/** The exact time in ms (performance.now()). */
export function now(): number {
  return performance.now();
}
