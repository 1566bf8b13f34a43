import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createPool, isPoolError } from '@pool/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createWsPool, isWsPoolError, wsProvider } from '../src/index.js';
import { selfSignedCertificate, type SelfSigned } from '@pool/testkit';

let cert: SelfSigned;
let server: https.Server;
let wss: WebSocketServer;
let url: string;
const never = new AbortController().signal;

beforeAll(async () => {
  cert = selfSignedCertificate();
  server = https.createServer({ key: cert.key, cert: cert.cert });
  server.on('tlsClientError', () => {});
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => ws.send(data.toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('wss: certificates are verified by default', () => {
  it('default options reject a self-signed server: WS_CONNECT_FAILED, Node\'s TLS error as cause', async () => {
    const provider = wsProvider({ url });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(provider.classifyCreateError?.(error)).toBe('permanent');
  });

  it('with the CA given it connects and requests work', async () => {
    const pool = createWsPool({ url, clientOptions: { ca: cert.cert }, pool: { max: 1 } });
    expect(await pool.request<{ id: string; hello: string }>({ hello: 'tls' })).toMatchObject({ hello: 'tls' });
    await pool.close();
  });

  it('the CA given but the wrong name: still rejected (the host name is checked too)', async () => {
    // ws hands `servername` on to tls.connect; @types/ws does not list it
    const clientOptions = { ca: cert.cert, servername: 'other.example' } as { ca: string };
    const error = await wsProvider({ url, clientOptions }).create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('through a pool with default options: the acquire fails with POOL_CREATE_FAILED by its deadline, the TLS error kept as cause', async () => {
    const pool = createPool(wsProvider({ url }), { failFast: false, retry: { minDelayMs: 20, maxDelayMs: 50 } });
    const error = await pool.acquire({ timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    const cause = (error as Error).cause;
    expect(isWsPoolError(cause, 'WS_CONNECT_FAILED')).toBe(true);
    expect(((cause as Error).cause as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await pool.close();
  });

  it('rejectUnauthorized: false connects only when written explicitly', async () => {
    const provider = wsProvider({ url, clientOptions: { rejectUnauthorized: false } });
    const ws = await provider.create({ signal: never });
    expect(ws.readyState).toBe(ws.OPEN);
    await provider.destroy!(ws);
  });
});
