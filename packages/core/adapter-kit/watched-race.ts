import type { WatchedCall } from './call-watchdog.js';

/**
 * Watches `work` (a whole transaction, say) as one call of a frozen-server watchdog: `watch` is the
 * watchdog's (or a wrapper of it). If the server is found silent, `onCut(error)` runs (the adapter
 * destroys the connection) and the returned promise rejects with POOL_SERVER_UNRESPONSIVE; otherwise
 * it settles as `work` does. `isReply(error)` tells an error the server sent (proof it is alive, as
 * a result is) from one raised on the client side.
 */
export async function raceWatched<T>(
  watch: (fail: (error: Error) => void) => WatchedCall,
  work: Promise<T>,
  onCut: (error: Error) => void,
  isReply: (error: unknown) => boolean,
): Promise<T> {
  let call: WatchedCall | undefined;
  const silent = new Promise<never>((_, reject) => {
    call = watch((error) => {
      onCut(error);
      reject(error);
    });
  });
  silent.catch(() => undefined);
  work.catch(() => undefined); // once cut, the work's own failure on the closed connection is nobody's to handle
  let answered = false;
  try {
    const result = await Promise.race([work, silent]);
    answered = true;
    return result;
  } catch (error) {
    answered = isReply(error);
    throw error;
  } finally {
    call?.done(answered);
  }
}
