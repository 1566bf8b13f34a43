import { isPoolError } from '@pool/core';
import { expect } from 'vitest';

/** How the calls of {@link cutRequests} ended. */
export interface CutRun {
  /** Calls that got their own reply. */
  ok: number;
  /** Calls that got a reply meant for another. */
  wrong: number;
  /** Cut calls that failed with their reply on its way: the adapter's abort error, or POOL_TIMEOUT phase query. */
  cutMidReply: number;
  /** Cut calls that failed before they were sent: POOL_ABORTED, or POOL_TIMEOUT of another phase. */
  cutWhileQueued: number;
  /** Any other failure, or a failure of a call that was not cut. */
  unexpected: unknown[];
}

/**
 * Reliability row 34: `total` calls over `callers` loops, one in five cut while its reply is in
 * flight. Call i is slow (its reply takes 10 ms) when i % 10 <= 2; call i % 10 === 0 is aborted
 * after 3 ms and i % 10 === 1 gets a 3 ms budget (`timeoutMs`). `request` makes call i and resolves
 * whether the reply was its own; `abortedMidReply` tells the adapter's abort error (cause kept).
 */
export async function cutRequests(
  request: (i: number, slow: boolean, options: { signal: AbortSignal; timeoutMs?: number }) => Promise<boolean>,
  abortedMidReply: (error: unknown) => boolean,
  { total = 10_000, callers = 8 }: { total?: number; callers?: number } = {},
): Promise<CutRun> {
  const run: CutRun = { ok: 0, wrong: 0, cutMidReply: 0, cutWhileQueued: 0, unexpected: [] };
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const kind = i % 10;
      const controller = new AbortController();
      // the reply takes 10 ms: an abort or a budget of 3 ms ends the call while it is in flight
      const cut = kind === 0 ? setTimeout(() => controller.abort(new Error('caller left')), 3) : undefined;
      try {
        if (await request(i, kind <= 2, { signal: controller.signal, ...(kind === 1 ? { timeoutMs: 3 } : {}) })) run.ok++;
        else run.wrong++;
      } catch (error) {
        if (kind > 1) run.unexpected.push(error);
        else if (abortedMidReply(error) || (isPoolError(error, 'POOL_TIMEOUT') && (error as { phase?: string }).phase === 'query')) run.cutMidReply++;
        else if (isPoolError(error, 'POOL_ABORTED') || isPoolError(error, 'POOL_TIMEOUT')) run.cutWhileQueued++;
        else run.unexpected.push(error);
      } finally {
        clearTimeout(cut);
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, worker));
  return run;
}

/**
 * What row 34 asks of a {@link cutRequests} run of `total` calls (a multiple of 10): no call got
 * another's reply or an unexpected error, every call that was not cut got its own reply, every cut
 * one failed with a typed error, and the pattern under test really happened: more than a quarter of
 * the cuts landed with the reply still on its way.
 */
export function expectCutRun(run: CutRun, total = 10_000): void {
  expect(run.unexpected).toEqual([]);
  expect(run.wrong).toBe(0);
  expect(run.ok).toBe((total / 10) * 8);
  expect(run.cutMidReply + run.cutWhileQueued).toBe((total / 10) * 2);
  expect(run.cutMidReply).toBeGreaterThan(total / 20);
}
