import { startPrivateHttpServer, type PrivateHttpServer } from '@pool/testkit';
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool, isHttpPoolError } from '../src/index.js';
import { caught, makers, shape, type Make } from './helpers/parity.js';
import { startServer } from './helpers/server.js';

// A request in flight on a reused keep-alive connection when the server dies under it (a crash, or a
// server that cuts the connection while working on the request) is not the keep-alive race: the
// connection was carrying the request for a while. The caller gets undici's own error, as from its
// Pool, side by side. The race itself (the socket closes as the request is sent) keeps
// HTTP_STALE_CONNECTION: see stale-keepalive.test.ts.

/** Warms one keep-alive connection with a GET, then sends `POST /work` on it (max 1 connection, so it is the same one). */
async function postOnReused(make: Make, origin: string, during?: () => Promise<void>): Promise<unknown> {
  const dispatcher: Dispatcher = make(origin, {});
  try {
    await (await request(`${origin}/warm`, { dispatcher })).body.text();
    const post = caught(request(`${origin}/work`, { dispatcher, method: 'POST', body: '{"order":1}' }).then((res) => res.body.text()));
    await during?.();
    return await post;
  } finally {
    await dispatcher.destroy();
  }
}

const one = (make: Make): Make => (origin, client) => make(origin, { ...client, connections: 1 });
const ourOne: Make = (origin) => createHttpPool({ origin, healthCheck: false, pool: { max: 1 } });

describe('the server dies while a POST is in flight on a reused keep-alive connection', () => {
  it('a server that cuts the connection 1 s into the request: undici\'s SocketError, as from its Pool, not retried', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/work') {
        req.resume();
        // working on it, then the connection is cut (the process handling it died)
        setTimeout(() => req.socket.destroy(), 1_000);
        return;
      }
      res.end('ok');
    });
    try {
      const undici = await postOnReused(one(makers.undici), server.origin);
      const ours = await postOnReused(ourOne, server.origin);
      expect(shape(undici)).toMatchObject({ name: 'SocketError', code: 'UND_ERR_SOCKET' });
      expect(isHttpPoolError(ours)).toBe(false);
      expect(shape(ours)).toEqual(shape(undici));
      // never retried: the server saw each pool's POST once
      expect(server.requests.get('/work')).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('an idempotent GET there is still retried once on a fresh connection (our retry policy), and served', async () => {
    let cut = 0;
    const server = await startServer((req, res) => {
      if (req.url === '/report' && cut++ === 0) {
        setTimeout(() => req.socket.destroy(), 500);
        return;
      }
      res.end(`${req.method} ${req.url}`);
    });
    const pool = createHttpPool({ origin: server.origin, healthCheck: false, pool: { max: 1 } });
    try {
      await (await request(`${server.origin}/warm`, { dispatcher: pool })).body.text();
      expect(await (await request(`${server.origin}/report`, { dispatcher: pool })).body.text()).toBe('GET /report');
      expect(server.requests.get('/report')).toBe(2);
      expect(server.connections).toBe(2);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  describe('a server process that crashes (frozen with the request unread, then killed)', () => {
    let server: PrivateHttpServer;
    beforeAll(async () => {
      server = await startPrivateHttpServer();
    }, 30_000);
    afterAll(() => server?.dispose());

    const crashMidRequest = async (make: Make): Promise<unknown> => {
      const error = await postOnReused(make, server.url, async () => {
        // the POST is written to a process that no longer runs, so it waits; then the process dies
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await server.kill();
      });
      await server.start();
      return error;
    };

    // freeze() must come after the warm-up request: done inside the pool's connect-and-warm sequence
    const frozenAfterWarm = (make: Make): Make => (origin, client) => {
      const dispatcher = make(origin, client);
      const dispatch = dispatcher.dispatch.bind(dispatcher);
      let calls = 0;
      dispatcher.dispatch = (opts, handler) => {
        if (++calls === 2) server.freeze();
        return dispatch(opts, handler);
      };
      return dispatcher;
    };

    it('gives the connection reset undici\'s Pool gives (ECONNRESET), not HTTP_STALE_CONNECTION', async () => {
      const undici = await crashMidRequest(frozenAfterWarm(one(makers.undici)));
      const ours = await crashMidRequest(frozenAfterWarm(ourOne));
      expect(undici).toBeInstanceOf(Error);
      expect(isHttpPoolError(ours)).toBe(false);
      expect(shape(ours)).toEqual(shape(undici));
      expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(undici));
    }, 30_000);
  });
});
