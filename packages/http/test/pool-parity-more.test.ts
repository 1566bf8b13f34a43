import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { errors, fetch, interceptors, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, caught, freePort, shape, withServer } from './helpers/parity.js';
import { defaultHandler } from './helpers/server.js';

// More side-by-side checks against undici's `Pool` (helpers/parity.ts): CONNECT, fetch errors, trailers, redirects.

/** A TCP echo server: the CONNECT tunnel's target. */
let echo: ReturnType<typeof createNetServer>;
let echoPort: number;
const echoSockets = new Set<Socket>();
beforeAll(async () => {
  echo = createNetServer((socket) => {
    echoSockets.add(socket);
    socket.on('close', () => echoSockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoPort = (echo.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of echoSockets) socket.destroy();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

describe('parity with undici Pool: CONNECT, fetch errors, trailers, redirects', () => {
  it('pool.connect() opens a tunnel (200, usable socket), and the pool keeps serving afterwards', async () => {
    const seen = await withServer(defaultHandler, async (proxy) => {
      const targets: string[] = [];
      proxy.server.on('connect', (req, client: Socket, head: Buffer) => {
        targets.push(req.url ?? '');
        const [host, port] = (req.url ?? '').split(':');
        const upstream = netConnect(Number(port), host, () => {
          client.write('HTTP/1.1 200 Connection Established\r\nx-proxy: yes\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
      return both(async (make) => {
        const pool = make(proxy.origin);
        const { statusCode, headers, socket, opaque } = await pool.connect({ origin: proxy.origin, path: `127.0.0.1:${echoPort}`, opaque: 'tun' });
        const echoed = await new Promise<string>((resolve) => {
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
          socket.write('through the tunnel');
        });
        socket.destroy();
        const after = await pool.request({ path: '/after-connect', method: 'GET' });
        const body = (await after.body.json()) as { path: string };
        await pool.close();
        return { statusCode, proxyHeader: headers['x-proxy'], opaque, echoed, after: body.path };
      }).then((result) => ({ ...result, targets }));
    });
    expect(seen.undici).toEqual({ statusCode: 200, proxyHeader: 'yes', opaque: 'tun', echoed: 'through the tunnel', after: '/after-connect' });
    expect(seen.ours).toEqual(seen.undici);
    expect(seen.targets).toEqual([`127.0.0.1:${echoPort}`, `127.0.0.1:${echoPort}`]);
  });

  it('pool.connect() answered with a non-2xx status resolves with that status, and the pool keeps serving', async () => {
    const seen = await withServer(defaultHandler, async (proxy) => {
      proxy.server.on('connect', (_req, client: Socket) => {
        client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      });
      return both(async (make) => {
        const pool = make(proxy.origin);
        const denied = await pool.connect({ origin: proxy.origin, path: `127.0.0.1:${echoPort}` });
        denied.socket.destroy();
        const after = await pool.request({ path: '/after-refused-connect', method: 'GET' });
        const body = (await after.body.json()) as { path: string };
        await pool.close();
        return { statusCode: denied.statusCode, after: body.path };
      });
    });
    expect(seen.undici).toEqual({ statusCode: 403, after: '/after-refused-connect' });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('fetch() to a refused origin fails with TypeError "fetch failed" whose cause is the ECONNREFUSED itself, on both', async () => {
    const port = await freePort();
    const seen = await both(async (make) => {
      const pool = make(`http://127.0.0.1:${port}`);
      const error = await caught(fetch(`http://127.0.0.1:${port}/x`, { dispatcher: pool }));
      await pool.close();
      const chain: Array<{ name: string; code: unknown; syscall?: unknown; port?: unknown }> = [];
      for (let e: unknown = (error as { cause?: unknown }).cause; e instanceof Error; e = (e as { cause?: unknown }).cause) {
        const { code, syscall, port: p } = e as { code?: unknown; syscall?: unknown; port?: unknown };
        chain.push({ name: e.name, code, ...(syscall === undefined ? {} : { syscall, port: p }) });
      }
      return { outer: shape(error), isTypeError: error instanceof TypeError, chain };
    });
    const outer = { name: 'TypeError', code: undefined, message: 'fetch failed' };
    const refused = { name: 'Error', code: 'ECONNREFUSED', syscall: 'connect', port };
    expect(seen.undici).toEqual({ outer, isTypeError: true, chain: [refused] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('response trailers reach res.trailers', async () => {
    const seen = await withServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum, x-count' });
      res.write('hello ');
      res.addTrailers({ 'x-checksum': 'abc123', 'x-count': '2' });
      res.end('world');
    }, (trailing) => both(async (make) => {
      const pool = make(trailing.origin);
      const res = await pool.request({ path: '/t', method: 'GET' });
      const body = await res.body.text();
      const out = { status: res.statusCode, body, trailers: { ...res.trailers } };
      await pool.close();
      return out;
    }));
    expect(seen.undici).toEqual({ status: 200, body: 'hello world', trailers: { 'x-checksum': 'abc123', 'x-count': '2' } });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('redirects: a maxRedirections request option is refused the same way; the redirect interceptor via compose() follows them', async () => {
    const seen = await withServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/new' }).end();
        return;
      }
      defaultHandler(req, res, 1);
    }, (moving) => both(async (make) => {
      const pool = make(moving.origin);
      const option = await caught(pool.request({ path: '/old', method: 'GET', maxRedirections: 2 } as Dispatcher.RequestOptions));
      const plain = await pool.request({ path: '/old', method: 'GET' });
      await plain.body.dump();
      const following = pool.compose(interceptors.redirect({ maxRedirections: 2 }));
      const res = await following.request({ origin: moving.origin, path: '/old', method: 'GET' });
      const body = (await res.body.json()) as { path: string };
      await pool.close();
      return { option: shape(option), isInvalid: option instanceof errors.InvalidArgumentError, plain: [plain.statusCode, plain.headers.location], followed: [res.statusCode, body.path] };
    }));
    expect(seen.undici).toEqual({
      option: { name: 'InvalidArgumentError', code: 'UND_ERR_INVALID_ARG', message: 'maxRedirections is not supported, use the redirect interceptor' },
      isInvalid: true, plain: [302, '/new'], followed: [200, '/new'],
    });
    expect(seen.ours).toEqual(seen.undici);
  });
});
