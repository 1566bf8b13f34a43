import type { Socket } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { startServer } from './helpers/server.js';

// reliability.md row 26, the natural way: a server that closes keep-alive sockets after 30 ms idle
// without announcing it (a proxy or load balancer with a shorter idle timeout than the backend's
// Keep-Alive header), and requests spaced around 30 ms, so some sockets close just as they are reused
describe('row 26 with a server closing idle keep-alive sockets after 30 ms', () => {
  it('every GET succeeds; no more than one extra connection per request sent twice', async () => {
    const idleTimers = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
    const server = await startServer((req, res) => {
      clearTimeout(idleTimers.get(req.socket));
      req.resume();
      res.on('finish', () => idleTimers.set(req.socket, setTimeout(() => req.socket.destroy(), 30)));
      res.end('ok');
    });
    const pool = createHttpPool({ origin: server.origin, healthCheck: false, pool: { max: 2, validateAfterIdleMs: Infinity } });
    for (let i = 0; i < 60; i++) {
      const res = await request(`${server.origin}/k${i}`, { dispatcher: pool });
      expect(await res.body.text()).toBe('ok');
      await new Promise((resolve) => setTimeout(resolve, 22 + (i % 5) * 4));
    }
    const sentTwice = [...server.requests.values()].filter((n) => n > 1).length;
    console.log(`idle-closing server: 60 GETs, ${server.connections} connections, ${sentTwice} sent twice`);
    expect(server.connections).toBeLessThanOrEqual(60 + sentTwice);
    await pool.close();
    await server.close();
  });
});
