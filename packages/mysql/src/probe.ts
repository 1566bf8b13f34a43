import type mysql from 'mysql2';
import { connect } from './connect.js';
import { sessionOf } from './session.js';

/**
 * The watchdog's check of the *server*: a fresh connection (never one of the waiting calls') and a
 * COM_PING. A server that answers at all, even with an error packet (too many connections), is
 * alive; a connect or ping that gets no answer before `signal` means it is not.
 */
export async function probeServer(driver: mysql.ConnectionOptions, secrets: readonly string[], signal: AbortSignal): Promise<void> {
  let connection;
  try {
    connection = await connect(driver, secrets, signal);
  } catch (error) {
    if (typeof (error as { errno?: unknown } | null)?.errno === 'number') return;
    throw error;
  }
  const session = sessionOf(connection);
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      connection.ping().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  } finally {
    session?.hardClose();
  }
}
