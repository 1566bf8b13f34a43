import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '@pool/testkit';
import { createHttpPool, httpProvider } from '../src/index.js';

// reliability.md row 28: certificates are verified by default, against a throwaway self-signed
// certificate for 127.0.0.1 made for this run (no key is committed).
describe('row 28: TLS', () => {
  let server: Server;
  let origin: string;
  let cert: string;
  beforeAll(async () => {
    const pair = selfSignedCertificate();
    cert = pair.cert;
    server = createServer(pair, (req, res) => res.writeHead(req.url === '/health' ? 204 : 200).end('secure'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a certificate it cannot verify, by default', async () => {
    const provider = httpProvider({ origin });
    await expect(provider.create({ signal: AbortSignal.timeout(5_000) })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('connects when the CA is given in `connect`, and serves requests over TLS', async () => {
    const pool = createHttpPool({ origin, connect: { ca: cert } });
    const res = await request(`${origin}/`, { dispatcher: pool });
    expect(await res.body.text()).toBe('secure');
    await pool.close();
  });
});
