import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpPool } from '@pool/http';
import { Pool } from 'undici';
import type { Comparison } from '../comparison.js';

/**
 * GET / at 100 callers against an in-process node:http server on 127.0.0.1 (same process, so the
 * server's work is shared equally by both contenders): `request()` through @pool/http's dispatcher
 * (one origin, pool max 10, default health check) against undici's own `Pool` with 10 connections.
 * Both end in the same undici `Client` code; the difference is the cost of leasing a connection
 * from @pool/core per request (and of wrapping the handler) versus undici's internal queue.
 */

const BODY = JSON.stringify({ ok: true, service: 'bench' });

async function startServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const comparison: Comparison = {
  id: 'W8',
  title: 'http: GET / (in-process node:http), 100 callers; @pool/http max 10 vs undici Pool connections 10',
  concurrency: 100,
  operations: 20_000,
  async setup() {
    const { server, origin } = await startServer();
    const ours = createHttpPool({ origin, pool: { max: 10 } });
    const theirs = new Pool(origin, { connections: 10 });
    const get = { path: '/', method: 'GET' } as const;
    const opOf = (dispatcher: Pool | ReturnType<typeof createHttpPool>) => async () => {
      const res = await dispatcher.request({ origin, ...get });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    };
    return {
      contenders: [
        { name: '@pool/http', op: opOf(ours) },
        { name: 'undici Pool', op: opOf(theirs) },
      ],
      teardown: async () => {
        await Promise.all([ours.close(), theirs.close()]);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};

export default comparison;
