import { PoolOptionError } from './errors.js';

/** What a number option must be. */
export interface NumberRule {
  minimum: number;
  maximum?: number;
  integer?: boolean;
  /** Accept Infinity (a limit turned off). */
  allowInfinity?: boolean;
}

/** A value as option errors show it: `0 (number)`, `"10" (string)`, `null`, `object`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  return value === null ? 'null' : typeof value;
}

/**
 * Throws {@link PoolOptionError} (POOL_INVALID_OPTION) for the first own key of `options` that is not
 * in `allowed`: unknown keys and `__proto__` from untrusted JSON are refused, not ignored, and a near
 * miss (`connectionTimeoutMilis`) is answered with "did you mean". For providers as much as for the
 * pool. `where` names the call in the message; `prefix` the parent key.
 */
export function assertKnownKeys(options: object, allowed: ReadonlySet<string>, where?: string, prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      const name = `${prefix}${key}`;
      const near = closestKey(key, allowed);
      const hint = near === undefined ? '' : ` (did you mean \`${prefix}${near}\`?)`;
      throw new PoolOptionError(name, `Unknown option \`${name}\`${where ? ` for ${where}` : ''}${hint}`);
    }
  }
}

/** The allowed key nearest to `key` (case-insensitive edit distance), if it is near enough to be a typo. */
export function closestKey(key: string, allowed: Iterable<string>): string | undefined {
  const wanted = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wanted.length / 4)) + 1;
  for (const candidate of allowed) {
    const distance = editDistance(wanted, candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be under `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Reads a number option: `fallback` when undefined, else a number that obeys `rule`, else a
 * {@link PoolOptionError} that says what was expected and what was given.
 */
export function numberOption(value: unknown, name: string, fallback: number, rule: NumberRule): number {
  if (value === undefined) return fallback;
  const expected = `${rule.integer ? 'an integer' : 'a number'} >= ${rule.minimum}${rule.maximum !== undefined ? ` and <= ${rule.maximum}` : ''}${rule.allowInfinity ? ' (or Infinity)' : ''}`;
  const valid = typeof value === 'number' && !Number.isNaN(value)
    && (value === Infinity ? rule.allowInfinity === true
      : value >= rule.minimum && (rule.maximum === undefined || value <= rule.maximum) && (!rule.integer || Number.isInteger(value)));
  if (!valid) throw new PoolOptionError(name, `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
  return value as number;
}
