import { expect } from 'vitest';
import { untilSuccess } from './fault-under-load.js';
import type { PrivateServer } from './private-server/index.js';

type Freezable = Pick<PrivateServer, 'freeze' | 'thaw'>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Freezes `server` (SIGSTOP) for `ms`, then thaws it (SIGCONT); resolves with when it thawed (`performance.now()`). */
export async function freezeFor(server: Freezable, ms: number): Promise<number> {
  server.freeze();
  await sleep(ms);
  server.thaw();
  return performance.now();
}

/** What {@link callIntoIdleFreeze} saw. */
export interface IdleFreeze {
  /** What the call made into the frozen server failed with (its reply if it succeeded). */
  error: unknown;
  /** ms that call took. */
  tookMs: number;
  /** The calls after the thaw, until the first success. */
  afterThaw: Awaited<ReturnType<typeof untilSuccess>>;
}

/**
 * Reliability row 40, sockets idle: waits 300 ms (past a `validateAfterIdleMs` of 200), freezes
 * `server`, makes `call(1, 1500)` (payload 1, deadline 1500 ms) and times it, thaws 1 s later, then
 * repeats `call(2, 3000)` until it succeeds. The caller's pool is warmed before and closed after.
 */
export async function callIntoIdleFreeze(server: Freezable, call: (n: number, timeoutMs: number) => Promise<unknown>): Promise<IdleFreeze> {
  await sleep(300);
  server.freeze();
  const started = performance.now();
  const error = await call(1, 1500).catch((e: unknown) => e);
  const tookMs = performance.now() - started;
  await sleep(1000);
  server.thaw();
  const afterThaw = await untilSuccess(() => call(2, 3000));
  return { error, tookMs, afterThaw };
}

/**
 * What row 40 asks of a {@link callIntoIdleFreeze} run: the call settled by its deadline with
 * POOL_TIMEOUT, the pool destroyed the unanswered socket (`destroyed`: its destroyed total), and
 * every call after the thaw succeeded at once.
 */
export function expectIdleFreezeRecovered(run: IdleFreeze, destroyed: number): void {
  expect((run.error as { code?: unknown }).code).toBe('POOL_TIMEOUT');
  expect(run.tookMs).toBeLessThan(1500 + 500);
  expect(destroyed).toBeGreaterThanOrEqual(1);
  expect(run.afterThaw.failed).toBe(0);
}

/** A {@link callIntoIdleFreeze} run in one line for a test's log: the call's code and phase, its ms, the calls after the thaw. */
export function idleFreezeSummary(run: IdleFreeze): { code: unknown; phase: unknown; tookMs: number; afterThaw: IdleFreeze['afterThaw'] } {
  const error = run.error as { code?: unknown; phase?: unknown } | null | undefined;
  return { code: error?.code, phase: error?.phase, tookMs: Math.round(run.tookMs), afterThaw: run.afterThaw };
}
