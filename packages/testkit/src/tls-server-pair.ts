import { afterAll, beforeAll } from 'vitest';
import { selfSignedCertificate, type SelfSigned } from './self-signed.js';

/**
 * Registers the hooks that start two of a file's in-process servers, one plain and one over TLS
 * with a certificate made now (for 127.0.0.1), and close both after the file. Returns getters for
 * both servers and the certificate (its `cert` is the CA a client must be given), valid in tests.
 */
export function usePlainAndTlsServers<S extends { close(): Promise<void> }>(start: (options: { tls?: SelfSigned }) => Promise<S>): { plain: () => S; secure: () => S; cert: () => SelfSigned } {
  let plain: S | undefined;
  let secure: S | undefined;
  let cert: SelfSigned | undefined;
  beforeAll(async () => {
    cert = selfSignedCertificate();
    plain = await start({});
    secure = await start({ tls: cert });
  });
  afterAll(async () => {
    await plain?.close();
    await secure?.close();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`usePlainAndTlsServers(): no ${what} yet (read it inside a test)`);
    return value;
  };
  return { plain: () => ready(plain, 'plain server'), secure: () => ready(secure, 'TLS server'), cert: () => ready(cert, 'certificate') };
}
