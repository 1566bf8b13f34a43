/** How long `end()` lets calls issued before it wait for a client before they are rejected. */
const END_GRACE_MS = 30_000;

/**
 * The calls issued and still waiting for a client, so `end()` lets them finish first (pg.Pool's
 * `end()` lets calls already issued complete).
 */
export class IssuedCalls {
  private waiting = 0;
  private onSettled: (() => void) | undefined;

  /** Counts a call until it has its client (or failed). */
  track<T>(promise: Promise<T>): Promise<T> {
    this.waiting++;
    const settled = () => {
      if (--this.waiting === 0) this.onSettled?.();
    };
    promise.then(settled, settled);
    return promise;
  }

  /** Resolves once every call tracked so far has its client or failed (at most END_GRACE_MS). */
  settled(): Promise<void> {
    if (this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, END_GRACE_MS);
      timer.unref();
      this.onSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
