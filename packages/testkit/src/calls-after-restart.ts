import { expect } from 'vitest';
import { untilSuccess } from './fault-under-load.js';

/** What {@link callsAfterRestart} saw. */
export interface CallsAfterRestart {
  /** `call(1)` repeated until it succeeded: ms to that, and the failures before it. */
  first: Awaited<ReturnType<typeof untilSuccess>>;
  /** `call(1..4)` made at once after that. */
  rest: PromiseSettledResult<unknown>[];
}

/** Reliability row 16, once the server is back: `call(1)` until it succeeds, then `call(1..4)` at once. */
export async function callsAfterRestart(call: (n: number) => Promise<unknown>): Promise<CallsAfterRestart> {
  const first = await untilSuccess(() => call(1));
  const rest = await Promise.allSettled([1, 2, 3, 4].map((n) => call(n)));
  return { first, rest };
}

/** A {@link callsAfterRestart} run for a test's log: the first call's numbers and how many later calls failed. */
export function callsAfterRestartSummary(run: CallsAfterRestart): CallsAfterRestart['first'] & { laterFailed: number } {
  return { ...run.first, laterFailed: run.rest.filter((r) => r.status === 'rejected').length };
}

/** Row 16's checks: no call failed once the server was back, and the first succeeded within 1 s. */
export function expectNoFailureAfterRestart(run: CallsAfterRestart): void {
  expect(run.first.failed).toBe(0);
  expect(run.first.ms).toBeLessThan(1000);
  expect(run.rest.every((r) => r.status === 'fulfilled')).toBe(true);
}
