import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '@pool/testkit';
import { pgProvider, resolvePgConfig, resolveSsl } from '../src/index.js';

describe('@pool/pg TLS options (reliability row 28): certificates are verified by default', () => {
  it('ssl: true becomes { rejectUnauthorized: true }', () => {
    expect(resolveSsl(true)).toEqual({ rejectUnauthorized: true });
    expect(resolvePgConfig({ ssl: true }).client.ssl).toEqual({ rejectUnauthorized: true });
  });

  it('an ssl object without rejectUnauthorized gets rejectUnauthorized: true; its other fields are kept', () => {
    const ssl = resolveSsl({ ca: 'CA PEM', servername: 'db.example' });
    expect(ssl).toEqual({ ca: 'CA PEM', servername: 'db.example', rejectUnauthorized: true });
  });

  it('only an explicit rejectUnauthorized: false turns verification off', () => {
    expect(resolveSsl({ rejectUnauthorized: false })).toEqual({ rejectUnauthorized: false });
    expect(resolveSsl({ rejectUnauthorized: undefined })).toEqual({ rejectUnauthorized: true });
  });

  it('ssl false or absent stays off; anything else is POOL_INVALID_OPTION', () => {
    expect(resolveSsl(false)).toBe(false);
    expect(resolveSsl(undefined)).toBeUndefined();
    expect('ssl' in resolvePgConfig({}).client).toBe(false);
    expect(() => resolveSsl('require')).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'ssl' }));
  });

  it('the private key is kept out of console.log / inspect', () => {
    const ssl = resolveSsl({ key: 'PRIVATE KEY PEM', cert: 'CERT' }) as Record<string, unknown>;
    expect(ssl.key).toBe('PRIVATE KEY PEM');
    expect(Object.keys(ssl)).not.toContain('key');
  });
});

/** A server that answers PostgreSQL's SSLRequest with 'S', does TLS with a self-signed cert, then rejects the startup with SQLSTATE XXFAK. */
function startTlsServer(key: string, cert: string): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => {
      // the 8-byte SSLRequest
      socket.write('S');
      const tls = new TLSSocket(socket, { isServer: true, key, cert });
      tls.on('error', () => {});
      tls.once('data', () => {
        const fields = Buffer.from('SFATAL\0CXXFAK\0Mfake server reached over TLS\0\0', 'utf8');
        const header = Buffer.alloc(5);
        header.write('E', 0, 'latin1');
        header.writeInt32BE(fields.length + 4, 1);
        tls.end(Buffer.concat([header, fields]));
      });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, sockets })));
}

describe('@pool/pg TLS against an in-process server with a self-signed certificate', () => {
  let cert: string;
  let tlsServer: Awaited<ReturnType<typeof startTlsServer>>;
  beforeAll(async () => {
    const pair = selfSignedCertificate();
    cert = pair.cert;
    tlsServer = await startTlsServer(pair.key, pair.cert);
  });
  afterAll(async () => {
    for (const socket of tlsServer.sockets) socket.destroy();
    await new Promise<void>((resolve) => tlsServer.server.close(() => resolve()));
  });

  function create(ssl: unknown): Promise<unknown> {
    const provider = pgProvider({ host: '127.0.0.1', port: tlsServer.port, user: 'x', database: 'x', ssl: ssl as boolean });
    return provider.create({ signal: AbortSignal.timeout(5000) }).catch((error: unknown) => error);
  }

  it('ssl: true refuses the self-signed certificate', async () => {
    const error = await create(true);
    expect(error).toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) });
  });

  it('ssl: { servername } (no rejectUnauthorized) still refuses it', async () => {
    const error = await create({ servername: 'localhost' });
    expect(error).toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) });
  });

  it('ssl: { ca } trusting that certificate completes the handshake (the fake server then rejects the login)', async () => {
    const error = await create({ ca: cert });
    expect(error).toMatchObject({ code: 'XXFAK' });
  });

  it('ssl: { rejectUnauthorized: false } is the explicit opt-out: the handshake completes unverified', async () => {
    const error = await create({ rejectUnauthorized: false });
    expect(error).toMatchObject({ code: 'XXFAK' });
  });

  it('a connection string with sslmode=require refuses it too; sslmode=no-verify is the explicit opt-out', async () => {
    const viaUrl = (mode: string) =>
      pgProvider(`postgres://x@127.0.0.1:${tlsServer.port}/x?sslmode=${mode}`).create({ signal: AbortSignal.timeout(5000) }).catch((error: unknown) => error);
    expect(await viaUrl('require')).toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) });
    expect(await viaUrl('no-verify')).toMatchObject({ code: 'XXFAK' });
  });
});
