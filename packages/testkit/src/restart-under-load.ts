import type { PrivateServer, RestartTimes } from './private-server/index.js';

/** One call made while a server restarted: when it started and ended, and its error's `code` if it failed. */
export interface CallOutcome {
  ok: boolean;
  start: number;
  end: number;
  code?: unknown;
}

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
 * sums up. The pool under test is the caller's to create and close.
 */
export async function restartUnderLoad(
  server: PrivateServer,
  call: () => Promise<unknown>,
  { callers = 20, downMs = 1000, warmMs = 300, settleMs = 1500 } = {},
): Promise<RestartRun> {
  const outcomes: CallOutcome[] = [];
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const start = performance.now();
      try {
        await call();
        outcomes.push({ ok: true, start, end: performance.now() });
      } catch (error) {
        outcomes.push({ ok: false, start, end: performance.now(), code: (error as { code?: unknown } | null)?.code });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const loops = Array.from({ length: callers }, loop);
  await new Promise((resolve) => setTimeout(resolve, warmMs));
  const times = await server.restart({ downMs });
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  stop = true;
  await Promise.all(loops);
  const failures = outcomes.filter((o) => !o.ok);
  const after = outcomes.filter((o) => o.ok && o.end > times.readyAt).map((o) => o.end);
  return {
    outcomes,
    times,
    failures,
    withoutCode: failures.filter((f) => typeof f.code !== 'string'),
    waitedThrough: outcomes.filter((o) => o.ok && o.start < times.downAt && o.end > times.readyAt),
    firstSuccessAfterMs: after.length === 0 ? Infinity : Math.min(...after) - times.readyAt,
  };
}
