import mysql from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { scrubError } from '@pool/core/adapter-kit';
import { forgetSecrets } from './config.js';
import { Session } from './session.js';

/**
 * Opens one connection. Honours `signal` (the pool's create timeout or close): an abort closes the
 * socket at once and rejects with the signal's reason. Errors are scrubbed of `secrets`; once
 * connected, the password fields are cleared from the connection's config.
 */
export function connect(driver: mysql.ConnectionOptions, secrets: readonly string[], signal: AbortSignal): Promise<Connection> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<Connection>((resolve, reject) => {
    let session: Session;
    try {
      session = Session.attach(mysql.createConnection({ ...driver }));
    } catch (error) {
      reject(scrubError(error, secrets));
      return;
    }
    const { core } = session;
    const settle = () => {
      core.off('connect', onConnect);
      core.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onConnect = () => {
      settle();
      forgetSecrets(core.config);
      session.connected();
      resolve(session.connection);
    };
    const onError = (error: unknown) => {
      settle();
      session.hardClose();
      reject(scrubError(error, secrets));
    };
    const onAbort = () => {
      settle();
      session.hardClose();
      reject(signal.reason);
    };
    core.once('connect', onConnect);
    core.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
