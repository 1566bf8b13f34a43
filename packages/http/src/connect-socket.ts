import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { ParsedOrigin } from './origin.js';

/**
 * Opens one TCP (or TLS) socket to `origin` with undici's own connector (bound to `localAddress`
 * when given), honouring `signal`: an
 * abort destroys a socket still connecting, and a socket that arrives after the abort is destroyed.
 */
export function connectSocket(connector: buildConnector.connector, origin: ParsedOrigin, signal: AbortSignal, localAddress?: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connector(
      // as undici's Client calls it (`localAddress` is its Client option, handed to the connector per connect)
      { hostname: origin.hostname, host: `${origin.hostname}:${origin.port}`, protocol: origin.protocol, port: String(origin.port), ...(localAddress !== undefined ? { localAddress } : {}) },
      (error, socket) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) {
          socket?.destroy();
          return;
        }
        settled = true;
        if (error !== null || socket === null) reject(error ?? new Error('connector returned no socket'));
        else resolve(socket);
      },
    );
  });
}
