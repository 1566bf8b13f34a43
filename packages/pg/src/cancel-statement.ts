import { connect } from 'node:net';
import type pg from 'pg';

/** How long the cancel connection may stay open (a server that never closes it): its socket is then destroyed. */
const CANCEL_TIMEOUT_MS = 5_000;
/** The CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102;

interface CancelTarget {
  processID?: unknown;
  secretKey?: unknown;
  host?: unknown;
  port?: unknown;
}

/**
 * Asks the server to cancel the statement `client` is running: PostgreSQL's CancelRequest (its
 * backend pid and secret key) over a connection of its own, fire and forget, as `pg.Client#cancel`
 * sends it. Used when a call's deadline or signal cut it. The client is destroyed then, but closing
 * its socket does not stop the statement on the server, which would go on holding its locks and CPU
 * until it finished. Never throws; a failed cancel changes nothing for the caller.
 */
export function cancelStatement(client: pg.Client): void {
  const { processID, secretKey, host, port } = client as unknown as CancelTarget;
  if (typeof processID !== 'number' || typeof secretKey !== 'number' || typeof host !== 'string' || typeof port !== 'number') return;
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  try {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    const timer = setTimeout(() => socket.destroy(), CANCEL_TIMEOUT_MS);
    timer.unref?.();
    socket.unref();
    socket.on('error', () => {});
    socket.on('close', () => clearTimeout(timer));
    // the server reads the request and closes the connection, with no reply
    socket.once('connect', () => socket.end(request));
  } catch {
    // best effort: the connection is destroyed anyway
  }
}
