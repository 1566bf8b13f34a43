import type { Connection } from 'mysql2/promise';
import type { AdapterSettings } from './config.js';
import { sessionOf } from './session.js';

/** COM_QUIT for a healthy connection (bounded by `quitTimeoutMs`), an immediate socket close for a broken one. */
export function close(connection: Connection, settings: AdapterSettings): Promise<void> | void {
  const session = sessionOf(connection);
  if (session === undefined) {
    connection.destroy();
    return;
  }
  if (session.isBroken() || settings.quitTimeoutMs === 0) {
    session.hardClose();
    return;
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      session.hardClose();
      resolve();
    }, settings.quitTimeoutMs);
    timer.unref?.();
    // end() resolves once COM_QUIT is written; a rejection means the connection was already closed
    const done = () => {
      clearTimeout(timer);
      session.core.destroy();
      resolve();
    };
    connection.end().then(done, done);
  });
}
