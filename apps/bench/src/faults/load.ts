import type { CallSample, Subject } from './types.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A closed loop of callers making one-shot calls through a pool, every call timed. */
export interface Load {
  readonly samples: CallSample[];
  /** Stops the callers; waits (bounded) for calls in flight; returns the start times of those still pending. */
  stop(maxWaitMs: number): Promise<number[]>;
}

/** Settings of {@link startLoad}. */
export interface LoadOptions {
  /** @default 50 */
  callers?: number;
  /** A caller whose call failed waits this long before its next call (an app does not retry in a hot loop). @default 10 */
  pauseAfterFailureMs?: number;
}

function codeOf(error: unknown): string | number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

/** `code Class: message`, numbers masked, so that the same failure counts as one kind. */
export function errorKind(error: unknown): string {
  const code = codeOf(error);
  const name = error instanceof Error ? error.constructor.name : typeof error;
  const message = (error instanceof Error ? error.message : String(error)).replace(/\d+/g, 'N').slice(0, 120);
  return `${code ?? '(no code)'} ${name}: ${message}`;
}

/** Starts `callers` callers, each calling `subject.call()` in a loop until stopped. */
export function startLoad(subject: Subject, options: LoadOptions = {}): Load {
  const samples: CallSample[] = [];
  const inFlight = new Map<number, number>();
  let nextId = 0;
  let stopping = false;
  let gate: Promise<void> | undefined;
  let openGate: (() => void) | undefined;
  const pauseMs = options.pauseAfterFailureMs ?? 10;

  const caller = async () => {
    while (!stopping) {
      if (gate !== undefined) {
        await gate;
        continue;
      }
      const id = nextId++;
      const start = performance.now();
      inFlight.set(id, start);
      let failed = false;
      try {
        await subject.call();
        if (!stopping) samples.push({ start, end: performance.now(), ok: true });
      } catch (error) {
        failed = true;
        const code = codeOf(error);
        if (!stopping) samples.push({ start, end: performance.now(), ok: false, kind: errorKind(error), ...(code !== undefined ? { code } : {}) });
      } finally {
        inFlight.delete(id);
      }
      if (failed) await sleep(pauseMs);
    }
  };
  const callers = Array.from({ length: options.callers ?? 50 }, () => caller());
  return {
    samples,
    async stop(maxWaitMs) {
      // no new calls from here (callers wait at a gate); calls that settle during the wait still count
      const deadline = performance.now() + maxWaitMs;
      const pendingAtStop = new Set(inFlight.keys());
      gate = new Promise<void>((resolve) => (openGate = resolve));
      while ([...pendingAtStop].some((id) => inFlight.has(id)) && performance.now() < deadline) await sleep(5);
      const pending = [...inFlight.values()];
      stopping = true;
      openGate?.();
      void Promise.allSettled(callers);
      return pending;
    },
  };
}
