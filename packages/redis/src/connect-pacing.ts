/**
 * Paces the connects to a server that refuses new connections while it is up: "max number of
 * clients reached" (the server accepts, writes that error and closes: ioredis often sees only the
 * closed socket, `EPIPE`/`ECONNRESET`/"Connection is closed." during the handshake) or a handshake
 * answered with `BUSY` (a long script).
 *
 * The pool probes again 25 ms after a failed connect while callers wait (so recovery follows a
 * server that comes back up). Against a server that is up but full, each probe is one more
 * connection it must accept and drop: 40 a second per pool, where a plain ioredis client backs off
 * to one every 2 s. After such a refusal the next connect waits 100 ms, doubling up to 2 s (ioredis's
 * own `retryStrategy` cap). Credentials refused (`WRONGPASS`, `NOAUTH`: a password rotated on the
 * server while the pool's open sessions keep working) are paced the same way. A success, or any
 * other failure (refused: the server is down, timeouts), ends the pacing, so a restart is still
 * followed within the pool's own probe delay.
 */

const firstDelayMs = 100;
const maxDelayMs = 2_000;

const fullMessage = /max(imum)? number of clients reached|^(BUSY|WRONGPASS|NOAUTH)\b/i;
const droppedCodes = new Set(['EPIPE', 'ECONNRESET']);

/**
 * True when a connect failed because the socket was dropped during the handshake (no reason given):
 * what a server at maxclients looks like to ioredis, whose handshake write meets the closed socket
 * before the server's `-ERR max number of clients reached` is read.
 */
export function droppedInHandshake(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.message === 'Connection is closed.' || (typeof code === 'string' && droppedCodes.has(code));
}

/** True when a failed connect says the server is up but turned this connection away. */
export function refusedWhileUp(error: unknown): boolean {
  for (let link = error, depth = 0; link instanceof Error && depth < 5; link = link.cause, depth++) {
    if (fullMessage.test(link.message) || link.message === 'Connection is closed.') return true;
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && droppedCodes.has(code)) return true;
  }
  return false;
}

export interface ConnectPacer {
  /** Resolves when the next connect may start; rejects with `signal.reason` if it aborts first. */
  wait(signal: AbortSignal): Promise<void>;
  /** A connect failed with `error`. */
  failed(error: unknown): void;
  /** A connect succeeded. */
  succeeded(): void;
}

export function connectPacer(now: () => number = () => performance.now()): ConnectPacer {
  let refusals = 0;
  let notBefore = 0;
  return {
    wait(signal) {
      const delay = refusals === 0 ? 0 : notBefore - now();
      if (delay <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal.reason ?? new Error('aborted'));
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, delay);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    failed(error) {
      if (!refusedWhileUp(error)) {
        refusals = 0;
        return;
      }
      refusals++;
      notBefore = now() + Math.min(firstDelayMs * 2 ** (refusals - 1), maxDelayMs);
    },
    succeeded() {
      refusals = 0;
    },
  };
}
