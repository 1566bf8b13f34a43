import type { PrivateServer } from './private-server/index.js';

/** How long `close()` took during each outage of {@link closeDuringOutage}, and how its waiting callers ended. */
export interface OutageClose {
  /** ms `close()` took with the server down and callers waiting for a socket. */
  downCloseMs: number;
  /** The waiting callers' error codes (undefined for one that did not fail with a code). */
  waiterCodes: unknown[];
  /** ms from that `close()` until every waiting caller had settled. */
  waitersSettledMs: number;
  /** ms `close()` took with the server frozen (SIGSTOP) and the pool's sockets idle. */
  frozenCloseMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Shutdown during an outage, in-process: a warmed pool is closed with `server` stopped and three
 * callers (`call(pool, 1..3)`, long deadlines) waiting 500 ms for a socket; then, the server started
 * again, a second warmed pool is closed with the server frozen. Leaves the server running, thawed.
 */
export async function closeDuringOutage<P extends { close(): Promise<void> }>(
  server: Pick<PrivateServer, 'stop' | 'start' | 'freeze' | 'thaw'>,
  warmPool: () => Promise<P>,
  call: (pool: P, n: number) => Promise<unknown>,
): Promise<OutageClose> {
  // server down, callers waiting for a socket
  const p = await warmPool();
  await server.stop();
  const waiting = [1, 2, 3].map((n) => call(p, n).catch((e: unknown) => e));
  await sleep(500);
  let started = performance.now();
  await p.close();
  const downCloseMs = performance.now() - started;
  const waiterCodes = (await Promise.all(waiting)).map((e) => (e as { code?: unknown } | null)?.code);
  const waitersSettledMs = performance.now() - started;
  await server.start();
  // server frozen, idle sockets
  const q = await warmPool();
  server.freeze();
  started = performance.now();
  await q.close();
  const frozenCloseMs = performance.now() - started;
  server.thaw();
  return { downCloseMs, waiterCodes, waitersSettledMs, frozenCloseMs };
}
