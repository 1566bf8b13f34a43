// The conditions that take acquire or release off the lender's fast path, as bits of one field
// tested at once. The pool sets CLOSED, PAUSED, LEASE_LISTENERS and OVER_MAX; the rest follow the options.
export const CLOSED = 1;
export const PAUSED = 2;
export const LEAK_DETECTION = 4;
export const LEASE_LISTENERS = 8;
export const VALIDATE_ON_ACQUIRE = 16;
export const IS_BROKEN_HOOK = 32;
export const RESET_HOOK = 64;
export const MAX_USES = 128;
/** The pool may be above `max` (after resize): releases check the size. */
export const OVER_MAX = 256;
export const SLOW_ACQUIRE = CLOSED | PAUSED | LEAK_DETECTION | LEASE_LISTENERS | VALIDATE_ON_ACQUIRE | IS_BROKEN_HOOK | MAX_USES;
export const SLOW_RELEASE = CLOSED | LEAK_DETECTION | LEASE_LISTENERS | IS_BROKEN_HOOK | RESET_HOOK | MAX_USES | OVER_MAX;
