import type { Connection } from 'mysql2/promise';
import { isFatalMysqlError } from './errors.js';
import { sessionOf } from './session.js';

/**
 * COM_PING under the pool's validate signal. False for a broken connection (no round trip); a ping
 * with no answer by the signal marks the connection broken, so its late reply never reaches anyone.
 */
export function ping(connection: Connection, signal: AbortSignal): Promise<boolean> | boolean {
  const session = sessionOf(connection);
  if (session === undefined || session.isBroken()) return false;
  return new Promise<boolean>((resolve, reject) => {
    const onAbort = () => {
      // no answer in time: the connection may be half-dead and its late reply must never reach anyone
      session.markBroken(signal.reason);
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    connection.ping().then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (isFatalMysqlError(error)) session.markBroken(error);
        reject(error);
      },
    );
  });
}
