import type { CallOptions } from './redis-pool.js';

/** How a call may be retried, and how long its command blocks on the server (blocking commands). */
export interface Plan {
  retryable: boolean;
  blockMs?: number;
}

/**
 * The per-call hold limit handed to the node pool (`queryTimeoutMs` of the ready-made client): a
 * blocking command may hold its connection for its own server timeout plus the caller's margin, and
 * for ever with timeout 0 (give it a signal); other calls keep the caller's (or the pool's default).
 */
export function holdLimit(plan: Plan, options: CallOptions): { queryTimeoutMs?: number } {
  const margin = (options as { queryTimeoutMs?: number }).queryTimeoutMs;
  if (plan.blockMs === undefined) return margin === undefined ? {} : { queryTimeoutMs: margin };
  return { queryTimeoutMs: plan.blockMs === 0 ? Infinity : plan.blockMs + (margin ?? 10_000) };
}
