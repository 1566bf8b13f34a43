/** Default histogram bucket upper bounds, in seconds: 0.5 ms to 10 s. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * A fixed-bucket histogram, as Prometheus counts it: `counts[i]` is the number of observations
 * `<= bounds[i]` (not cumulative here; the exposition makes it cumulative), plus a sum and a count.
 */
export class Histogram {
  readonly bounds: readonly number[];
  /** Observations per bucket; the last entry is the `+Inf` bucket. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = DEFAULT_BUCKETS_SECONDS) {
    checkBounds(bounds);
    this.bounds = [...bounds];
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return; // a clock step backwards or a bad payload: not a duration
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts per bound, ending with `+Inf` (= `count`). */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (const c of this.counts) {
      running += c;
      out.push(running);
    }
    return out;
  }
}

/** Throws a RangeError unless `bounds` is a non-empty, strictly increasing list of finite numbers. */
export function checkBounds(bounds: readonly number[]): void {
  if (bounds.length === 0) throw new RangeError('histogram buckets must not be empty');
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i]!;
    if (!Number.isFinite(b)) throw new RangeError(`histogram bucket ${i} is not a finite number: ${b}`);
    if (i > 0 && b <= bounds[i - 1]!) throw new RangeError(`histogram buckets must increase strictly: ${bounds[i - 1]} then ${b}`);
  }
}
