/** Exponential backoff with full jitter in [delay/2, delay]: attempt 0 waits about `minMs`, capped at `maxMs`. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number): number {
  const delay = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return delay / 2 + Math.random() * (delay / 2);
}
