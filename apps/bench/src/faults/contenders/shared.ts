/** Pool size of every row. */
export const MAX = 10;
/** The per-call deadline given to the rows that take one; also what "past the deadline" is measured against for the others. */
export const DEADLINE_MS = 3_000;

/** `promise`, or a resolved undefined after `ms` (a pool whose close hangs must not stop the bench). */
export async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
