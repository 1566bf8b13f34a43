import { numberOption, PoolOptionError } from '@pool/core';
import type { CallOptions } from './redis-pool.js';

/** How a call may be retried, and how long its command blocks on the server (blocking commands). */
export interface Plan {
  retryable: boolean;
  blockMs?: number;
}

/** The plan of a blocking command whose server timeout is `value` (`option` in seconds or ms): POOL_INVALID_OPTION for a bad one. */
export function blockingPlan(value: unknown, option: 'timeoutSeconds' | 'blockMs'): Plan {
  if (value === undefined) throw new PoolOptionError(option, `[@pool/redis] \`${option}\` is required (0 blocks for ever)`);
  const number = numberOption(value, option, 0, { minimum: 0, integer: option === 'blockMs' });
  return { retryable: true, blockMs: option === 'timeoutSeconds' ? number * 1000 : number };
}

/**
 * The per-call hold limit handed to the node pool (`queryTimeoutMs` of the ready-made client): a
 * blocking command may hold its connection for its own server timeout plus the caller's margin, and
 * for ever with timeout 0 (give it a signal); other calls keep the caller's (or the pool's default).
 */
export function holdLimit(plan: Plan, options: CallOptions, poolDefault: number): { queryTimeoutMs?: number } {
  const margin = options.queryTimeoutMs;
  if (plan.blockMs === undefined) return margin === undefined ? {} : { queryTimeoutMs: margin };
  return { queryTimeoutMs: plan.blockMs === 0 ? Infinity : plan.blockMs + (margin ?? poolDefault) };
}
