import type { EventEmitter } from 'node:events';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createPool } from '@pool/core';
import { selfSignedCertificate } from '@pool/testkit';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool, httpProvider, type HttpPool } from '../src/index.js';
import { until } from './helpers/server.js';
import { startSilentH2Server } from './helpers/silent-h2-server.js';

// Issue 9: "ping by a health request ... or HTTP/2 PING". With `client: { allowH2: true }` each pooled
// connection is one HTTP/2 session (TLS, ALPN h2). undici 7 has no public call that sends one PING
// and waits for its ACK, so the ping on acquire is the health request (over h2), and undici's own
// `pingInterval` keeps the session alive. These tests pin down what each one does.
describe('HTTP/2 connections', () => {
  const tls = selfSignedCertificate();
  let server: Http2SecureServer;
  let origin: string;
  const sessions: ServerHttp2Session[] = [];
  let pingsReceived = 0;
  const seen: string[] = [];
  let pool: HttpPool | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = createSecureServer({ ...tls }, (req, res) => {
      seen.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
      if (req.url === '/health') res.writeHead(204).end();
      else res.writeHead(200).end(`HTTP/${req.httpVersion}`);
    });
    server.on('session', (session) => {
      sessions.push(session);
      session.on('ping', () => pingsReceived++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const newConnection = async (options: Parameters<typeof httpProvider>[0]) => {
    const provider = httpProvider(options);
    const connection = await provider.create({ signal: AbortSignal.timeout(5_000) });
    cleanups.push(() => connection.destroy());
    return { provider, connection };
  };

  it('serves requests through the dispatcher over HTTP/2, one session per pooled connection', async () => {
    const before = sessions.length;
    pool = createHttpPool({ origin, connect: { ca: tls.cert }, client: { allowH2: true } });
    for (let i = 0; i < 3; i++) {
      const res = await request(`${origin}/item/${i}`, { dispatcher: pool });
      expect(await res.body.text()).toBe('HTTP/2.0');
    }
    expect(sessions.length - before).toBe(1);
    expect(pool.status()[0]?.pool).toMatchObject({ size: 1, idle: 1 });
  });

  it('pings with the health request over the HTTP/2 session (HEAD /health by default)', async () => {
    const before = sessions.length;
    seen.length = 0;
    const { provider, connection } = await newConnection({ origin, connect: { ca: tls.cert }, client: { allowH2: true } });
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(await provider.validate!(connection, { signal: AbortSignal.timeout(5_000), idleMs: 0 })).toBe(true);
    expect(seen).toEqual(['HEAD /health HTTP/2.0', 'HEAD /health HTTP/2.0']);
    expect(sessions.length - before).toBe(1);
    expect(connection.broken).toBe(false);
  });

  it('sends HTTP/2 PING frames on an idle pooled session with client.pingInterval, and each is acknowledged', async () => {
    const { connection } = await newConnection({ origin, connect: { ca: tls.cert }, client: { allowH2: true, pingInterval: 30 } });
    let acks = 0;
    // undici's types do not list the Client's 'ping' event (emitted on each PING ACK)
    (connection.client as unknown as EventEmitter).on('ping', () => acks++);
    // the session starts with the first request; then the connection sits idle
    await (await connection.client.request({ method: 'GET', path: '/' })).body.dump();
    const pingsBefore = pingsReceived;
    await until(() => acks >= 3 && pingsReceived - pingsBefore >= 3, 5_000, 'three acknowledged PINGs');
    expect(connection.broken).toBe(false);
  });

  it('is broken once the server ends the session, and the pool replaces it', async () => {
    const { provider, connection } = await newConnection({ origin, connect: { ca: tls.cert }, client: { allowH2: true }, healthCheck: false });
    await (await connection.client.request({ method: 'GET', path: '/' })).body.dump();
    expect(provider.isBroken!(connection)).toBe(false);
    (sessions.at(-1) as ServerHttp2Session).destroy();
    await until(() => provider.isBroken!(connection), 2_000, 'the connection to be seen as broken');

    pool = createHttpPool({ origin, connect: { ca: tls.cert }, client: { allowH2: true }, healthCheck: false });
    const before = sessions.length;
    expect(await (await request(`${origin}/a`, { dispatcher: pool })).body.text()).toBe('HTTP/2.0');
    const session = sessions.at(-1) as ServerHttp2Session;
    session.destroy();
    await until(() => session.destroyed, 2_000, 'the server session to close');
    // the next request gets a new session (a new connection), not an error
    expect(await (await request(`${origin}/b`, { dispatcher: pool })).body.text()).toBe('HTTP/2.0');
    expect(sessions.length - before).toBe(2);
    expect(pool.status()[0]?.pool.totals).toMatchObject({ created: 2, destroyed: 1 });
  });

  it('a peer that stops answering (PINGs never acknowledged) is caught by the health request deadline', async () => {
    const silent = await startSilentH2Server(tls);
    cleanups.push(() => silent.close());
    const { provider, connection } = await newConnection({ origin: silent.origin, connect: { ca: tls.cert }, client: { allowH2: true, pingInterval: 20 } });
    const outcome = await Promise.resolve(provider.validate!(connection, { signal: AbortSignal.timeout(300), idleMs: 0 })).then(
      (healthy) => ({ healthy }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toHaveProperty('error');
    expect(silent.requests).toBe(1); // the health request was sent and never answered
    expect(silent.pings).toBeGreaterThan(0); // undici's interval PINGs went out meanwhile, unanswered, and raised nothing
    // in a pool, that failed ping destroys the connection and the caller gets a new one
    const guarded = createPool(provider, { max: 1, validateAfterIdleMs: 0, validateTimeoutMs: 200 });
    cleanups.push(() => guarded.close({ timeoutMs: 100 }));
    const first = await guarded.acquire();
    const dead = first.resource;
    first.release();
    const second = await guarded.acquire();
    expect(second.resource).not.toBe(dead);
    expect(guarded.stats().totals).toMatchObject({ validationFailures: 1, destroyed: 1, created: 2 });
    second.release();
  });
});
