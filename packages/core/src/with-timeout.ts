import { PoolTimeoutError, type TimeoutPhase } from './errors.js';

/**
 * Runs `task` with an AbortSignal that fires after `timeoutMs`, and rejects with a
 * {@link PoolTimeoutError} of `phase` at that moment even if the task ignores the signal. The timer is
 * unref'd: a pending check never keeps the process alive on its own.
 */
export function withTimeout<T>(
  task: (signal: AbortSignal) => T | Promise<T>,
  timeoutMs: number,
  phase: TimeoutPhase,
  pool: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const work = new Promise<T>((resolve, reject) => {
    if (timeoutMs !== Infinity) {
      timer = setTimeout(() => {
        const error = new PoolTimeoutError(phase, timeoutMs, `${phase} timed out after ${timeoutMs} ms`, { pool });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
      timer.unref?.();
    }
    try {
      Promise.resolve(task(controller.signal)).then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  });
  return timer === undefined && timeoutMs === Infinity
    ? work
    : work.finally(() => clearTimeout(timer));
}
