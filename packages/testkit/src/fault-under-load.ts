/** One call made during a fault: when it started and ended (`performance.now()`), and its error's `code` if it failed. */
export interface LoadOutcome {
  ok: boolean;
  start: number;
  end: number;
  code?: unknown;
  /** For a POOL_TIMEOUT: its `phase`. */
  phase?: unknown;
}

/** What {@link faultUnderLoad} saw. */
export interface FaultRun<T> {
  outcomes: LoadOutcome[];
  /** What `fault()` returned (e.g. restart times). */
  fault: T;
  /** When `fault()` resolved. */
  faultDoneAt: number;
  failures: LoadOutcome[];
  /** Failures whose error carried no string `code`. */
  withoutCode: LoadOutcome[];
  /** Every distinct failure code (`code` or `code/phase`), with how many times it was seen. */
  codes: Record<string, number>;
  /** The longest call, in ms. */
  longestMs: number;
  /** ms from `recoveredAt` (default: when `fault()` resolved) to the first call that succeeded after it (it may have been waiting through the fault). */
  firstSuccessAfterMs: number;
}

/**
 * Runs `callers` loops of `call` (a failed call waits `pauseMs` before the next), runs `fault()`
 * after `warmMs`, goes on for `settleMs` after it resolved, then stops the loops and sums up. The
 * client under test is the caller's to create and close; works for any client (a pool or a
 * hand-written baseline), so both can be measured the same way against the same server.
 */
export async function faultUnderLoad<T>(
  call: () => Promise<unknown>,
  fault: () => Promise<T>,
  { callers = 8, warmMs = 300, settleMs = 1500, pauseMs = 10, recoveredAt }: { callers?: number; warmMs?: number; settleMs?: number; pauseMs?: number; recoveredAt?: (fault: T, doneAt: number) => number } = {},
): Promise<FaultRun<T>> {
  const outcomes: LoadOutcome[] = [];
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const start = performance.now();
      try {
        await call();
        outcomes.push({ ok: true, start, end: performance.now() });
      } catch (error) {
        const e = error as { code?: unknown; phase?: unknown } | null;
        outcomes.push({ ok: false, start, end: performance.now(), code: e?.code, phase: e?.phase });
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  };
  const loops = Array.from({ length: callers }, loop);
  await new Promise((resolve) => setTimeout(resolve, warmMs));
  const result = await fault();
  const faultDoneAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  stop = true;
  await Promise.all(loops);
  const failures = outcomes.filter((o) => !o.ok);
  const codes: Record<string, number> = {};
  for (const f of failures) {
    const key = typeof f.code === 'string' ? (f.phase === undefined ? f.code : `${f.code}/${String(f.phase)}`) : '(no code)';
    codes[key] = (codes[key] ?? 0) + 1;
  }
  const from = recoveredAt === undefined ? faultDoneAt : recoveredAt(result, faultDoneAt);
  const after = outcomes.filter((o) => o.ok && o.end > from).map((o) => o.end);
  return {
    outcomes,
    fault: result,
    faultDoneAt,
    failures,
    withoutCode: failures.filter((f) => typeof f.code !== 'string'),
    codes,
    longestMs: Math.max(0, ...outcomes.map((o) => o.end - o.start)),
    firstSuccessAfterMs: after.length === 0 ? Infinity : Math.min(...after) - from,
  };
}

/** Polls `call` every 10 ms from now: ms until it first succeeded (Infinity past `limitMs`), and the attempts that failed before, with their codes. */
export async function untilSuccess(call: () => Promise<unknown>, limitMs = 8000): Promise<{ ms: number; failed: number; codes: string[] }> {
  const start = performance.now();
  const codes = new Set<string>();
  let failed = 0;
  for (;;) {
    try {
      await call();
      return { ms: Math.round(performance.now() - start), failed, codes: [...codes] };
    } catch (error) {
      failed++;
      codes.add(String((error as { code?: unknown }).code));
      if (performance.now() - start > limitMs) return { ms: Infinity, failed, codes: [...codes] };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A {@link FaultRun} in one line for a test's log: calls, failures and their codes, the longest call. */
export function faultSummary(run: FaultRun<unknown>): { calls: number; failed: number; codes: Record<string, number>; untyped: number; longestMs: number } {
  return { calls: run.outcomes.length, failed: run.failures.length, codes: run.codes, untyped: run.withoutCode.length, longestMs: Math.round(run.longestMs) };
}

/** Logs one measured row, ours beside each baseline, for the side-by-side notes (`MEASURE` lines). */
export function logMeasure(row: string, ours: unknown, ...baselines: unknown[]): void {
  console.log(`MEASURE ${row}\n  ours:     ${JSON.stringify(ours)}\n${baselines.map((b) => `  baseline: ${JSON.stringify(b)}`).join('\n')}`);
}
