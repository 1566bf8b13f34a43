/**
 * Server errnos that say "no room for another connection" while the server itself is fine: 1040
 * ER_CON_COUNT_ERROR (max_connections), 1203 ER_TOO_MANY_USER_CONNECTIONS and 1226
 * ER_USER_LIMIT_REACHED (max_user_connections).
 */
const connectionLimitErrnos = new Set([1040, 1203, 1226]);

/** First wait after a refusal for lack of room, doubled per refusal in a row, up to {@link maxDelayMs}. */
const minDelayMs = 100;
const maxDelayMs = 1000;

/** True for a connect refused because the server (or the user) has no room for another connection. */
export function isConnectionLimitError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && connectionLimitErrnos.has((error as { errno?: unknown }).errno as number);
}

/**
 * Paces connects after a server refused them for lack of room (1040 "Too many connections").
 *
 * @pool/core retries a transient create error about 25 ms after it failed while callers wait, which
 * follows a server coming back from a restart; but a full server answers every connect at once, so that
 * became ~35 refused logins a second per pool for as long as anyone waited (each one a server thread
 * and a handshake on a server that is already out of room). After such a refusal the next connect
 * waits 100 ms, doubling per refusal in a row up to 1 s: a few attempts a second at first, one a
 * second after that, so a freed slot is taken within about a second. Any other outcome (a connection,
 * a refused port) resets it. The wait honours the create's signal.
 */
export class ConnectPacing {
  private refusals = 0;
  private lastRefusalAt = 0;

  /** Runs `connect` once the pause owed to earlier refusals is over (at once when there were none). */
  run<T>(signal: AbortSignal, connect: () => Promise<T>): Promise<T> {
    const wait = this.refusals === 0 ? 0 : this.lastRefusalAt + Math.min(maxDelayMs, minDelayMs * 2 ** (this.refusals - 1)) - performance.now();
    const attempt = wait <= 0 ? connect() : pause(wait, signal).then(connect);
    return attempt.then(
      (value) => {
        this.refusals = 0;
        return value;
      },
      (error: unknown) => {
        if (isConnectionLimitError(error)) {
          this.refusals = Math.min(this.refusals + 1, 30);
          this.lastRefusalAt = performance.now();
        } else if (!signal.aborted) {
          this.refusals = 0;
        }
        throw error;
      },
    );
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
