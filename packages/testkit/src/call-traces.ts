import { callTrace, type CallTraceContext } from '@pool/core/adapter-kit';

/**
 * Runs `run` with a subscriber on the `pool:call` TracingChannel and returns the context of every
 * call that settled meanwhile, in the order they settled (`result` or `error` set on each). The
 * subscriber is removed however `run` ends.
 */
export async function recordCallTraces(run: () => Promise<unknown>): Promise<CallTraceContext[]> {
  const seen: CallTraceContext[] = [];
  const handlers = {
    start: () => undefined,
    end: () => undefined,
    asyncStart: () => undefined,
    error: () => undefined,
    asyncEnd: (context: CallTraceContext) => void seen.push(context),
  };
  callTrace.subscribe(handlers);
  try {
    await run();
  } finally {
    callTrace.unsubscribe(handlers);
  }
  return seen;
}
