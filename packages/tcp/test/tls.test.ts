import { createPool, isPoolError } from '@pool/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTcpPool, isTcpPoolError, tcpProvider } from '../src/index.js';
import { startLineServer, type LineServer } from './helpers/line-server.js';
import { selfSignedCertificate, type SelfSigned } from '@pool/testkit';

let cert: SelfSigned;
let server: LineServer;

beforeAll(async () => {
  cert = selfSignedCertificate();
  server = await startLineServer({ tls: cert });
});
afterAll(async () => {
  await server.close();
});

const never = new AbortController().signal;

describe('TLS: verification is on by default', () => {
  it('default options reject a self-signed server: TCP_TLS_FAILED with Node\'s TLS error as cause', async () => {
    const provider = tcpProvider({ host: server.host, port: server.port, tls: true });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_TLS_FAILED')).toBe(true);
    const cause = (error as Error).cause as { code?: string };
    expect(cause.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect((error as Error).message).toContain(`${server.host}:${server.port}`);
    // no retry fixes a certificate: callers get it at once
    expect(provider.classifyCreateError?.(error)).toBe('permanent');
  });

  it('a refused connect is transient (retried while callers wait)', async () => {
    const provider = tcpProvider({ host: '127.0.0.1', port: 1, tls: true });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_CONNECT_FAILED') || isTcpPoolError(error, 'TCP_TLS_FAILED')).toBe(true);
    expect(provider.classifyCreateError?.(error)).toBe('transient');
  });

  it('through a pool: the acquire fails with POOL_CREATE_FAILED by its deadline, the TLS error kept as cause', async () => {
    const pool = createPool(tcpProvider({ host: server.host, port: server.port, tls: {} }), { failFast: false, retry: { minDelayMs: 20, maxDelayMs: 50 } });
    // long enough for a first handshake to fail on a loaded machine (else it is a plain POOL_TIMEOUT)
    const error = await pool.acquire({ timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect(isTcpPoolError((error as Error).cause, 'TCP_TLS_FAILED')).toBe(true);
    await pool.close();
  });

  it('with the CA given (tls: { ca }) it connects and requests work', async () => {
    const pool = createTcpPool({ host: server.host, port: server.port, tls: { ca: cert.cert }, pool: { max: 1 } });
    expect(await pool.request('ECHO over tls')).toBe('over tls');
    const socket = await pool.use((s) => s);
    expect((socket as import('node:tls').TLSSocket).authorized).toBe(true);
    await pool.close();
  });

  it('the CA given but the wrong name: still rejected (the host name is checked too)', async () => {
    const provider = tcpProvider({ host: server.host, port: server.port, tls: { ca: cert.cert, servername: 'other.example' } });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_TLS_FAILED')).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('rejectUnauthorized: false connects to the self-signed server only when written explicitly', async () => {
    const provider = tcpProvider({ host: server.host, port: server.port, tls: { rejectUnauthorized: false } });
    const socket = await provider.create({ signal: never });
    expect((socket as import('node:tls').TLSSocket).authorized).toBe(false);
    await provider.destroy!(socket);
  });

  it('secrets in TLS options (passphrase) never appear in errors', async () => {
    const canary = 'canary-passphrase-7f3a91';
    const provider = tcpProvider({ host: server.host, port: server.port, tls: { passphrase: canary } });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isTcpPoolError(error)).toBe(true);
    const pool = createPool(provider, { failFast: false });
    const poolError = await pool.acquire({ timeoutMs: 200 }).catch((e: unknown) => e);
    await pool.close();
    for (const e of [error, poolError]) {
      for (let link: unknown = e; link instanceof Error; link = link.cause) {
        expect(`${link.message}\n${link.stack}\n${JSON.stringify(link)}`).not.toContain(canary);
      }
    }
  });
});
