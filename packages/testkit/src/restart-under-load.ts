import { faultUnderLoad, type LoadOutcome } from './fault-under-load.js';
import type { PrivateServer, RestartTimes } from './private-server/index.js';

/** One call made while a server restarted: when it started and ended, and its error's `code` if it failed. */
export type CallOutcome = LoadOutcome;

/** What {@link restartUnderLoad} saw, and the checks every adapter's restart test makes of it. */
export interface RestartRun {
  outcomes: CallOutcome[];
  times: RestartTimes;
  failures: CallOutcome[];
  /** Failures whose error carried no string `code`. */
  withoutCode: CallOutcome[];
  /** Successes of calls that started before the server went down and ended after it was back: they waited through it. */
  waitedThrough: CallOutcome[];
  /** ms from the server answering again to the first call that succeeded after it. */
  firstSuccessAfterMs: number;
}

/**
 * Runs `callers` loops of `call` (a failed call waits 10 ms before the next), restarts `server`
 * (`downMs` down) after `warmMs`, goes on for `settleMs` after it is back, then stops the loops and
 * sums up ({@link faultUnderLoad} with a restart as the fault). The pool under test is the caller's
 * to create and close.
 */
export async function restartUnderLoad(
  server: PrivateServer,
  call: () => Promise<unknown>,
  { callers = 20, downMs = 1000, warmMs = 300, settleMs = 1500 } = {},
): Promise<RestartRun> {
  const run = await faultUnderLoad(call, () => server.restart({ downMs }), { callers, warmMs, settleMs, pauseMs: 10, recoveredAt: (times) => times.readyAt });
  const times = run.fault;
  return {
    outcomes: run.outcomes,
    times,
    failures: run.failures,
    withoutCode: run.withoutCode,
    waitedThrough: run.outcomes.filter((o) => o.ok && o.start < times.downAt && o.end > times.readyAt),
    firstSuccessAfterMs: run.firstSuccessAfterMs,
  };
}
