import { createServer, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { caught, shape } from './helpers/parity.js';
import { startServer } from './helpers/server.js';

// undici `Client` options that shape the socket (`connectTimeout`, `socketPath`, `localAddress`, ...)
// go to its connector. Code moving from `new Pool(origin, { connectTimeout })` to
// `createHttpPool({ origin, client: { connectTimeout } })`, as the README's `client` row says, must
// get the same connections: each case runs side by side with undici's Pool.

type Options = Record<string, unknown>;
const makers: Record<'undici' | 'ours', (origin: string, client: Options, connect?: Options) => Dispatcher> = {
  undici: (origin, client, connect) => new Pool(origin, { ...client, ...(connect ? { connect } : {}) }),
  ours: (origin, client, connect) => createHttpPool({ origin, healthCheck: false, client, ...(connect ? { connect } : {}) }),
};

async function sideBySide<T>(body: (make: (typeof makers)['ours']) => Promise<T>): Promise<{ undici: T; ours: T }> {
  return { undici: await body(makers.undici), ours: await body(makers.ours) };
}

const whoAmI = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => res.end(req.socket.remoteAddress ?? '');

describe('undici Client connect options given in `client`, side by side with undici\'s Pool', () => {
  it('connectTimeout: a connect that never completes fails with UND_ERR_CONNECT_TIMEOUT after it, not after the 10 s default, in one attempt', async () => {
    // a name whose lookup never answers keeps the socket connecting
    const never: LookupFunction = () => undefined;
    const seen = await sideBySide(async (make) => {
      const pool = make('http://never.test:8080', { connectTimeout: 300 }, { lookup: never });
      let attempts = 0;
      pool.on('connectionError', () => attempts++);
      const startedAt = Date.now();
      const error = shape(await caught(pool.request({ path: '/', method: 'GET' })));
      // undici's timers tick about once a second: 300 ms comes out at about 1 s, on both
      const under2s = Date.now() - startedAt < 2_000;
      await pool.destroy();
      return { code: error === 'no error' ? error : error.code, under2s, attempts };
    });
    expect(seen.undici).toEqual({ code: 'UND_ERR_CONNECT_TIMEOUT', under2s: true, attempts: 1 });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('socketPath: requests go over the Unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-http-'));
    const socketPath = join(dir, 'http.sock');
    const server: Server = createServer((req, res) => res.end(`unix ${req.url ?? ''}`));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const seen = await sideBySide(async (make) => {
        const pool = make('http://localhost', { socketPath });
        const res = await pool.request({ path: '/over-unix', method: 'GET' }).then((r) => r.body.text(), (error: unknown) => shape(error));
        await pool.close();
        return res;
      });
      expect(seen.undici).toBe('unix /over-unix');
      expect(seen.ours).toBe(seen.undici);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('localAddress: the socket is bound to it', async () => {
    const s = await startServer(whoAmI);
    try {
      const seen = await sideBySide(async (make) => {
        const pool = make(s.origin, { localAddress: '127.0.0.2' });
        const res = await pool.request({ path: '/', method: 'GET' }).then((r) => r.body.text(), (error: unknown) => shape(error));
        await pool.close();
        return res;
      });
      expect(seen.undici).toBe('127.0.0.2');
      expect(seen.ours).toBe(seen.undici);
    } finally {
      await s.close();
    }
  });

  it('a connect that hangs, at the defaults: undici\'s ConnectTimeoutError (UND_ERR_CONNECT_TIMEOUT) after its 10 s, not a core create timeout', async () => {
    const never: LookupFunction = () => undefined;
    // side by side at once (each waits 10 s); one attempt on both, at the defaults (before, ours made
    // failover.downAfterFailures attempts, 2, and failed after 20 s)
    const attempt = async (pool: Dispatcher) => {
      const startedAt = Date.now();
      const error = shape(await caught(pool.request({ path: '/', method: 'GET' })));
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      await pool.destroy();
      return { error: error === 'no error' ? error : { name: error.name, code: error.code }, about10s: seconds >= 9 && seconds <= 12 };
    };
    const [undici, ours] = await Promise.all([
      attempt(new Pool('http://never.test:8080', { connect: { lookup: never } })),
      // the default health check too: its periodic check (at 10 s) waits behind the request, so the failed connect is the request's
      attempt(createHttpPool({ origin: 'http://never.test:8080', connect: { lookup: never } })),
    ]);
    expect(undici).toEqual({ error: { name: 'ConnectTimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT' }, about10s: true });
    expect(ours).toEqual(undici);
  });
});
