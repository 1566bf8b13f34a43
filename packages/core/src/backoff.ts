/**
 * Delay before attempt number `failures + 1` (1 failure: about `minMs`): exponential from `minMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so a fleet of pools does not retry
 * in lockstep. The one backoff of @pool: the adapters' probes use it too (adapter-kit).
 */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return exponential / 2 + random() * (exponential / 2);
}
