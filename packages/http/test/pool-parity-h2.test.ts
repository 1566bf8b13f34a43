import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '@pool/testkit';
import { Pool, request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { until } from './helpers/server.js';

/** Side by side over HTTP/2 (TLS, ALPN h2): undici's Pool with `allowH2` and ours with `client: { allowH2 }`. */
describe('parity with undici Pool over HTTP/2: connection events', () => {
  const tls = selfSignedCertificate();
  let server: Http2SecureServer;
  let origin: string;
  const sessions: ServerHttp2Session[] = [];

  beforeAll(async () => {
    server = createSecureServer({ ...tls }, (req, res) => res.writeHead(200).end(`HTTP/${req.httpVersion} ${req.url}`));
    server.on('session', (session) => sessions.push(session));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const makers: Record<'undici' | 'ours', () => Dispatcher> = {
    undici: () => new Pool(origin, { connections: 1, allowH2: true, connect: { ca: tls.cert } }),
    ours: () => createHttpPool({ origin, healthCheck: false, pool: { max: 1 }, connect: { ca: tls.cert }, client: { allowH2: true } }),
  };

  it('a GOAWAY from the server: disconnect and connectionError with [pool, client] and the SocketError; the next request opens a new session', async () => {
    const seen: Record<string, unknown> = {};
    for (const name of ['undici', 'ours'] as const) {
      const pool = makers[name]();
      const events: unknown[] = [];
      const record = (event: string) => (url: URL, targets: readonly Dispatcher[], error?: Error & { code?: string }): void => {
        events.push({ event, url: String(url), targets: targets.length, first: targets[0] === pool, error: error && { name: error.name, code: error.code } });
      };
      pool.on('connect', record('connect')).on('disconnect', record('disconnect')).on('connectionError', record('connectionError'));
      const first = await request(`${origin}/one`, { dispatcher: pool }).then((res) => res.body.text());
      for (const session of sessions.splice(0)) session.close(); // GOAWAY
      await until(() => events.some((e) => (e as { event: string }).event === 'connectionError'));
      const second = await request(`${origin}/two`, { dispatcher: pool }).then((res) => res.body.text());
      await pool.close();
      seen[name] = { first, second, events: events.filter((e) => (e as { error?: { code?: string } }).error?.code !== 'UND_ERR_DESTROYED') };
    }
    expect(seen.ours).toEqual(seen.undici);
    const url = `${origin}/`;
    const goaway = { url, targets: 2, first: true, error: { name: 'SocketError', code: 'UND_ERR_SOCKET' } };
    expect(seen.ours).toEqual({
      first: 'HTTP/2.0 /one',
      second: 'HTTP/2.0 /two',
      events: [
        { event: 'connect', url, targets: 2, first: true, error: undefined },
        { event: 'disconnect', ...goaway },
        { event: 'connectionError', ...goaway },
        { event: 'disconnect', ...goaway }, // again, as the session closes
        { event: 'connect', url, targets: 2, first: true, error: undefined },
      ],
    });
  });
});
