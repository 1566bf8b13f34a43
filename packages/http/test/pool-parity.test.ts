import { Readable, Writable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { errors, Pool, stream, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { both, caught, freePort, shape, withServer } from './helpers/parity.js';
import { defaultHandler, startServer, until, type TestServer } from './helpers/server.js';

// Code written for undici's `Pool` should see the same behaviour after swapping `new Pool(origin)`
// for `createHttpPool({ origin })`: every scenario below runs the same body against both (helpers/parity.ts).

let server: TestServer;
let hang: TestServer;
beforeAll(async () => {
  server = await startServer();
  hang = await startServer(() => undefined);
});
afterAll(async () => {
  await server.close();
  await hang.close();
});

describe('parity with undici Pool: results', () => {
  it('pool.request() gives the same status, headers and body', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const res = await pool.request({ path: '/r?x=1', method: 'PUT', body: 'abc' });
      const out = { status: res.statusCode, type: res.headers['content-type'], body: await res.body.json() };
      await pool.close();
      return out;
    });
    expect(seen.undici).toEqual({ status: 200, type: 'application/json', body: { method: 'PUT', path: '/r?x=1', body: 'abc', authorization: null } });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('pool.pipeline() pipes a request body through to the response body', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const chunks: Buffer[] = [];
      await pipelineAsync(
        Readable.from(['piped ', 'body']),
        pool.pipeline({ path: '/pipe', method: 'POST' }, ({ body }) => body),
        new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk); cb(); } }),
      );
      await pool.close();
      return JSON.parse(Buffer.concat(chunks).toString());
    });
    expect(seen.undici).toMatchObject({ method: 'POST', path: '/pipe', body: 'piped body' });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('pool.stream() and a streamed request body', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const chunks: Buffer[] = [];
      const result = await stream(`${server.origin}/s`, { dispatcher: pool, method: 'POST', body: Readable.from([Buffer.from('a'), Buffer.from('b')]), opaque: 'op' }, ({ statusCode, opaque }) => new Writable({
        write(chunk: Buffer, _enc, cb) { chunks.push(chunk); cb(); },
        final(cb) { chunks.unshift(Buffer.from(`${statusCode} ${String(opaque)} `)); cb(); },
      }));
      await pool.close();
      return { opaque: result.opaque, text: Buffer.concat(chunks).toString() };
    });
    expect(seen.undici.opaque).toBe('op');
    expect(seen.undici.text).toContain('"body":"ab"');
    expect(seen.ours).toEqual(seen.undici);
  });

  it('a bad request option fails with the same InvalidArgumentError', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const error = await caught(pool.request({ path: 'no-slash', method: 'GET' }));
      await pool.close();
      return { error: shape(error), isInvalid: error instanceof errors.InvalidArgumentError };
    });
    expect(seen.undici.isInvalid).toBe(true);
    expect(seen.ours).toEqual(seen.undici);
  });
});

describe('parity with undici Pool: close and destroy', () => {
  it('close() waits for requests in flight, resolves, and closed/destroyed follow it', async () => {
    const seen = await withServer((_req, res) => setTimeout(() => res.end('done'), 60), (slow) => both(async (make) => {
      const pool = make(slow.origin);
      const flags: unknown[] = [[pool.closed, pool.destroyed]];
      const inflight = pool.request({ path: '/', method: 'GET' }).then((res) => res.body.text());
      await until(() => (slow.requests.get('/') ?? 0) >= 1);
      const closing = pool.close();
      flags.push([pool.closed, pool.destroyed]);
      const again = pool.close();
      // undici resolves null, we resolve undefined: either way nothing to read
      const resolved = (await closing) ?? 'resolved';
      flags.push([pool.closed, pool.destroyed]);
      slow.requests.clear();
      return { flags, body: await inflight, resolved, again: (await again) ?? 'resolved' };
    }));
    expect(seen.undici).toEqual({ flags: [[false, false], [true, false], [true, true]], body: 'done', resolved: 'resolved', again: 'resolved' });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('close(callback) and destroy(callback) call back with no error', async () => {
    const seen = await both(async (make) => {
      const a = make(server.origin);
      await (await a.request({ path: '/', method: 'GET' })).body.dump();
      const closeArgs = await new Promise<unknown[]>((resolve) => a.close((...args: unknown[]) => resolve(args)));
      const b = make(server.origin);
      const destroyArgs = await new Promise<unknown[]>((resolve) => b.destroy(null, (...args: unknown[]) => resolve(args)));
      const c = make(server.origin);
      const destroyOnlyCallback = await new Promise<unknown[]>((resolve) => c.destroy((...args: unknown[]) => resolve(args)));
      return { closeArgs, destroyArgs, destroyOnlyCallback, destroyed: [a.destroyed, b.destroyed, c.destroyed] };
    });
    expect(seen.undici).toEqual({ closeArgs: [null, null], destroyArgs: [null, null], destroyOnlyCallback: [null, null], destroyed: [true, true, true] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('destroy(err) fails requests in flight with that error; destroy() with ClientDestroyedError', async () => {
    const seen = await both(async (make) => {
      const pool = make(hang.origin);
      const inflight = caught(pool.request({ path: '/destroy-err', method: 'GET' }));
      await until(() => (hang.requests.get('/destroy-err') ?? 0) >= 1);
      const reason = new Error('shutting down');
      await pool.destroy(reason);
      const error = await inflight;
      const plain = make(hang.origin);
      const inflight2 = caught(plain.request({ path: '/destroy-plain', method: 'GET' }));
      await until(() => (hang.requests.get('/destroy-plain') ?? 0) >= 1);
      await plain.destroy();
      const error2 = await inflight2;
      hang.requests.clear();
      return { same: error === reason, plain: shape(error2), isDestroyed: error2 instanceof errors.ClientDestroyedError };
    });
    expect(seen.undici).toEqual({ same: true, plain: { name: 'ClientDestroyedError', code: 'UND_ERR_DESTROYED', message: 'The client is destroyed' }, isDestroyed: true });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('destroy(err) also fails requests still waiting for a connection with that error', async () => {
    const seen = await both(async (make) => {
      const pool = make(hang.origin);
      const requests = Array.from({ length: 6 }, (_, i) => caught(pool.request({ path: `/wait-${i}`, method: 'GET' })));
      await until(() => [0, 1, 2, 3].every((i) => hang.requests.get(`/wait-${i}`) === 1));
      const reason = new Error('gone');
      await pool.destroy(reason);
      const results = await Promise.all(requests);
      hang.requests.clear();
      return results.map((error) => error === reason);
    });
    expect(seen.undici).toEqual([true, true, true, true, true, true]);
    expect(seen.ours).toEqual(seen.undici);
  });

  it('requests while closing, after close() and after destroy() fail with the same undici errors and codes', async () => {
    const seen = await both(async (make) => {
      const closed = make(server.origin);
      await (await closed.request({ path: '/', method: 'GET' })).body.dump();
      const closing = closed.close();
      const whileClosing = await caught(closed.request({ path: '/', method: 'GET' }));
      await closing;
      const afterClose = await caught(closed.request({ path: '/', method: 'GET' }));
      const destroyed = make(server.origin);
      await destroyed.destroy();
      const afterDestroy = await caught(destroyed.request({ path: '/', method: 'GET' }));
      const destroyTwice = await caught(destroyed.destroy());
      return {
        whileClosing: shape(whileClosing), closedClass: whileClosing instanceof errors.ClientClosedError,
        afterClose: shape(afterClose), afterDestroy: shape(afterDestroy), destroyedClass: afterDestroy instanceof errors.ClientDestroyedError,
        destroyTwice: shape(destroyTwice),
      };
    });
    expect(seen.undici).toMatchObject({
      whileClosing: { code: 'UND_ERR_CLOSED' }, closedClass: true,
      // undici's Pool is destroyed once its close() finished
      afterClose: { code: 'UND_ERR_DESTROYED' }, afterDestroy: { code: 'UND_ERR_DESTROYED' }, destroyedClass: true,
      destroyTwice: 'no error',
    });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('close() also waits for requests dispatched just before it that are still waiting for a connection', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const requests = Array.from({ length: 10 }, (_, i) => pool.request({ path: `/queued-${i}`, method: 'GET' }).then((res) => res.body.json()));
      await pool.close();
      return (await Promise.all(requests)).map((body) => (body as { path: string }).path);
    });
    expect(seen.undici).toEqual(Array.from({ length: 10 }, (_, i) => `/queued-${i}`));
    expect(seen.ours).toEqual(seen.undici);
  });
});

describe('parity with undici Pool: request errors', () => {
  it('an AbortSignal aborted mid-request, or before it, fails the request the same way', async () => {
    const seen = await both(async (make) => {
      const pool = make(hang.origin);
      const controller = new AbortController();
      const pending = caught(pool.request({ path: '/abort', method: 'GET', signal: controller.signal }));
      await until(() => (hang.requests.get('/abort') ?? 0) >= 1);
      controller.abort();
      const midway = await pending;
      const early = await caught(pool.request({ path: '/abort-early', method: 'GET', signal: AbortSignal.abort() }));
      const custom = new AbortController();
      const withReason = caught(pool.request({ path: '/abort-reason', method: 'GET', signal: custom.signal }));
      await until(() => (hang.requests.get('/abort-reason') ?? 0) >= 1);
      const reason = new Error('mine');
      custom.abort(reason);
      const reasonSeen = (await withReason) === reason;
      await pool.destroy();
      hang.requests.clear();
      return { midway: shape(midway), early: shape(early), reasonSeen };
    });
    expect(seen.undici.reasonSeen).toBe(true);
    expect(seen.ours).toEqual(seen.undici);
  });

  it('headersTimeout and bodyTimeout (Client options and per request) fail with the same errors', async () => {
    const seen = await withServer((req, res) => {
      if (req.url === '/body') {
        res.writeHead(200);
        res.write('part');
        return;
      }
    }, (slow) => both(async (make) => {
      // undici's timers are coarse (about 1 s for these small values): run the three at once
      const pool = make(slow.origin, { headersTimeout: 50, bodyTimeout: 50 });
      const plain = make(slow.origin);
      const [headers, body, perRequest, perRequestBody] = await Promise.all([
        caught(pool.request({ path: '/headers', method: 'GET' })),
        caught(pool.request({ path: '/body', method: 'GET' }).then((res) => res.body.text())),
        caught(plain.request({ path: '/headers', method: 'GET', headersTimeout: 30 })),
        caught(plain.request({ path: '/body', method: 'GET', bodyTimeout: 30 }).then((res) => res.body.text())),
      ]);
      await pool.destroy();
      await plain.destroy();
      return { headers: shape(headers), body: shape(body), perRequest: shape(perRequest), perRequestBody: shape(perRequestBody), classes: [headers instanceof errors.HeadersTimeoutError, body instanceof errors.BodyTimeoutError] };
    }));
    expect(seen.undici).toMatchObject({ headers: { code: 'UND_ERR_HEADERS_TIMEOUT' }, body: { code: 'UND_ERR_BODY_TIMEOUT' }, perRequest: { code: 'UND_ERR_HEADERS_TIMEOUT' }, perRequestBody: { code: 'UND_ERR_BODY_TIMEOUT' }, classes: [true, true] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('the server closing the socket mid-request fails a POST with SocketError UND_ERR_SOCKET', async () => {
    const seen = await withServer((req) => {
      req.resume();
      req.on('end', () => req.socket.destroy());
    }, (closing) => both(async (make) => {
      const pool = make(closing.origin);
      const error = await caught(pool.request({ path: '/', method: 'POST', body: 'x' }));
      await pool.close();
      return { error: shape(error), isSocket: error instanceof errors.SocketError };
    }));
    expect(seen.undici).toMatchObject({ error: { code: 'UND_ERR_SOCKET', name: 'SocketError' }, isSocket: true });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('the server closing the socket while the body streams fails the body read with UND_ERR_SOCKET', async () => {
    const seen = await withServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    }, (cut) => both(async (make) => {
      const pool = make(cut.origin);
      const res = await pool.request({ path: '/', method: 'GET' });
      const error = await caught(res.body.text());
      await pool.close();
      return { status: res.statusCode, error: shape(error) };
    }));
    expect(seen.undici).toMatchObject({ status: 200, error: { code: 'UND_ERR_SOCKET' } });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('connection refused: both give the connect error itself (ECONNREFUSED), at once', async () => {
    const port = await freePort();
    const seen = await both(async (make) => {
      const pool = make(`http://127.0.0.1:${port}`);
      const started = performance.now();
      const error = await caught(pool.request({ path: '/', method: 'GET' }));
      const elapsedMs = performance.now() - started;
      await pool.close();
      const refused = (error as { code?: unknown }).code === 'ECONNREFUSED' ? error : (error as { cause?: unknown }).cause;
      const { code, syscall, port: refusedPort, message } = refused as { code?: unknown; syscall?: unknown; port?: unknown; message?: string };
      return { outer: (error as { code?: unknown }).code, refused: { code, syscall, port: refusedPort }, message: (error as Error).message, inner: message, fast: elapsedMs < 1_000 };
    });
    expect(seen.undici).toMatchObject({ outer: 'ECONNREFUSED', refused: { code: 'ECONNREFUSED', syscall: 'connect', port }, fast: true });
    expect(seen.ours).toMatchObject({ outer: 'ECONNREFUSED', refused: seen.undici.refused, fast: true });
    expect(seen.ours.message).toBe(seen.undici.message);
  });
});

describe('parity with undici Pool: events and stats', () => {
  it('emits connect and disconnect with the origin URL and [pool, client] targets', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const events: unknown[] = [];
      pool.on('connect', (origin, targets) => events.push(['connect', String(origin), targets.length, targets[0] === pool]));
      pool.on('disconnect', (origin, targets, error) => events.push(['disconnect', String(origin), targets.length, targets[0] === pool, (error as { code?: unknown }).code]));
      await (await pool.request({ path: '/', method: 'GET' })).body.dump();
      await pool.close();
      return events;
    });
    expect(seen.undici).toEqual([['connect', `${server.origin}/`, 2, true], ['disconnect', `${server.origin}/`, 2, true, 'UND_ERR_DESTROYED']]);
    expect(seen.ours).toEqual(seen.undici);
  });

  it('emits connectionError when the origin refuses the connection', async () => {
    const seen = await both(async (make) => {
      const port = await freePort();
      const pool = make(`http://127.0.0.1:${port}`);
      const events: unknown[] = [];
      pool.on('connectionError', (origin, targets, error) => events.push([String(origin) === `http://127.0.0.1:${port}/`, targets[0] === pool, (error as { code?: unknown }).code]));
      await caught(pool.request({ path: '/', method: 'GET' }));
      await pool.close();
      return events[0];
    });
    expect(seen.undici).toEqual([true, true, 'ECONNREFUSED']);
    expect(seen.ours).toEqual(seen.undici);
  });

  it('exposes stats: connected, free, pending, queued, running, size', async () => {
    const seen = await both(async (make) => {
      const pool = make(hang.origin) as Dispatcher & { stats: Record<string, number> };
      const snap = () => ({ ...pool.stats });
      const before = snap();
      const requests = Array.from({ length: 6 }, (_, i) => caught(pool.request({ path: `/stats-${i}`, method: 'GET' })));
      await until(() => [0, 1, 2, 3].every((i) => hang.requests.get(`/stats-${i}`) === 1));
      const busy = snap();
      await pool.destroy();
      await Promise.all(requests);
      hang.requests.clear();
      return { before, busy };
    });
    expect(seen.undici).toEqual({
      before: { connected: 0, free: 0, pending: 0, queued: 0, running: 0, size: 0 },
      busy: { connected: 4, free: 0, pending: 2, queued: 2, running: 4, size: 6 },
    });
    expect(seen.ours).toEqual(seen.undici);
  });
});

describe('parity with undici Pool: connection reuse and upgrade', () => {
  it('sequential requests reuse a keep-alive connection (ours exactly one)', async () => {
    const seen = await withServer(defaultHandler, (counted) => both(async (make) => {
      const pool = make(counted.origin);
      const before = counted.connections;
      for (let i = 0; i < 5; i++) await (await pool.request({ path: `/ka-${i}`, method: 'GET' })).body.text();
      await pool.close();
      return counted.connections - before;
    }));
    // undici's Pool may open a second one (its client is still marked busy when the body ends); never more
    expect(seen.undici).toBeGreaterThanOrEqual(1);
    expect(seen.undici).toBeLessThanOrEqual(2);
    expect(seen.ours).toBe(1);
  });

  it('pool.upgrade() hands over the socket, and the next request still works', async () => {
    const seen = await withServer(defaultHandler, async (upgrading) => {
      upgrading.server.on('upgrade', (_req, socket) => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n');
        socket.pipe(socket);
      });
      return both(async (make) => {
        const pool = make(upgrading.origin);
        const { headers, socket } = await pool.upgrade({ path: '/up', protocol: 'echo' });
        const echoed = await new Promise<string>((resolve) => {
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
          socket.write('ping');
        });
        socket.destroy();
        const after = await pool.request({ path: '/after-upgrade', method: 'GET' });
        const body = (await after.body.json()) as { path: string };
        await pool.close();
        return { upgrade: headers.upgrade, echoed, after: body.path };
      });
    });
    expect(seen.undici).toEqual({ upgrade: 'echo', echoed: 'ping', after: '/after-upgrade' });
    expect(seen.ours).toEqual(seen.undici);
  });
});

describe('parity with undici Pool: the documented differences', () => {
  it('DIFFERENCE (documented): close() after destroy() resolves (undici rejects with ClientDestroyedError), and close/destroy resolve undefined (undici: null)', async () => {
    const seen = await both(async (make) => {
      const pool = make(server.origin);
      const destroyed = await pool.destroy();
      const closedAfter = await pool.close().then((value) => ({ resolved: value }), (error: unknown) => ({ rejected: shape(error) }));
      return { destroyed, closedAfter };
    });
    expect(seen.undici).toMatchObject({ destroyed: null, closedAfter: { rejected: { code: 'UND_ERR_DESTROYED' } } });
    expect(seen.ours).toEqual({ destroyed: undefined, closedAfter: { resolved: undefined } });
  });

  it('DIFFERENCE (documented): a request waiting for a connection has a deadline (pool.acquireTimeoutMs, 30 s by default); undici queues it without one', async () => {
    const slow = await startServer((_req, res) => void setTimeout(() => res.end('late'), 600));
    try {
      const twoRequests = async (pool: Dispatcher): Promise<unknown[]> => {
        const results = await Promise.all(['/a', '/b'].map((path) => pool.request({ path, method: 'GET' }).then((res) => res.body.text(), (error: unknown) => shape(error))));
        await pool.close();
        return results;
      };
      expect(await twoRequests(new Pool(slow.origin, { connections: 1 }))).toEqual(['late', 'late']);
      const ours = await twoRequests(createHttpPool({ origin: slow.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: 200 } }));
      expect(ours[0]).toBe('late');
      expect(ours[1]).toMatchObject({ code: 'POOL_TIMEOUT' });
      // waiting as long as undici does is one option away
      expect(await twoRequests(createHttpPool({ origin: slow.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: Infinity } }))).toEqual(['late', 'late']);
    } finally {
      await slow.close();
    }
  });

  it('DIFFERENCE (documented): dispatch() keeps returning true past the connection limit (requests queue in @pool/core), so drain never fires', async () => {
    const seen = await both(async (make) => {
      const pool = make(hang.origin);
      let drained = 0;
      pool.on('drain', () => drained++);
      const noop = { onConnect() {}, onHeaders() { return true; }, onData() { return true; }, onComplete() {}, onError() {} };
      const returned: boolean[] = [];
      for (let i = 0; i < 300; i++) returned.push(pool.dispatch({ path: '/', method: 'GET', origin: hang.origin }, noop as never));
      await pool.destroy();
      return { sawFalse: returned.includes(false), drained };
    });
    expect(seen.undici.sawFalse).toBe(true);
    expect(seen.ours).toEqual({ sawFalse: false, drained: 0 });
  });
});

