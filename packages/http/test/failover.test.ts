import { createServer } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { startServer, until, type TestServer } from './helpers/server.js';
import { servedWork as served, startTraffic, threeOrigins, watchOrigins } from './helpers/traffic.js';

describe('failover across three origins', () => {
  const origins = threeOrigins(200);

  it('keeps serving when one origin dies, marks it down, and takes it back when it listens again', async () => {
    const { pool, servers } = origins;
    const { events, lastDownCause } = watchOrigins(pool);
    const [, victim] = servers as [TestServer, TestServer, TestServer];
    const traffic = startTraffic(pool, 8);

    try {
      // all three share the load
      await until(() => servers.every((server) => served(server) >= 10), 5_000, 'every origin to serve requests');
      await victim.kill();
      await until(() => events.includes(`down ${victim.origin}`), 5_000, 'the dead origin to be marked down');
      // the connection error that took it down: a refused connect, or, when a connection was new and
      // carrying its first request as the server died, that connection's reset or close (which one
      // comes first depends on timing)
      expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain((lastDownCause() as { code?: string }).code);
      expect(pool.status().map((status) => status.up)).toEqual([true, false, true]);

      // traffic continues on the other two
      const during = traffic.completed();
      await until(() => traffic.completed() >= during + 200, 5_000, 'requests to keep completing');

      // back on the same port: probed back into rotation
      const servedBefore = served(victim);
      await victim.restart();
      await until(() => events.includes(`up ${victim.origin}`), 5_000, 'the origin to come back');
      await until(() => served(victim) > servedBefore + 10, 5_000, 'the returned origin to serve again');
    } finally {
      await traffic.stop();
    }

    expect(traffic.failures).toEqual([]);
    expect(events).toEqual([`down ${victim.origin}`, `up ${victim.origin}`]);
    expect(pool.status().every((status) => status.up)).toBe(true);
  });

  it('balances by least outstanding requests: a slow origin gets fewer of the concurrent requests', async () => {
    const slow = await startServer((req, res) => {
      if (req.url === '/health') return void res.writeHead(204).end();
      setTimeout(() => res.end('slow'), 100);
    });
    const fast = await startServer((_req, res) => res.end('fast'));
    const balanced = createHttpPool({ origins: [slow.origin, fast.origin], healthCheck: false, pool: { max: 10 } });
    const bodies: string[] = [];
    const worker = async () => {
      for (let i = 0; i < 20; i++) bodies.push(await (await request('http://x.invalid/', { dispatcher: balanced })).body.text());
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const slowCount = bodies.filter((body) => body === 'slow').length;
    expect(bodies).toHaveLength(80);
    expect(slowCount).toBeGreaterThan(0);
    expect(slowCount).toBeLessThan(40);
    await balanced.close();
    await slow.close();
    await fast.close();
  });

  it('every origin down: a request probes them at once and the first request after one is back succeeds', async () => {
    const servers = await Promise.all([startServer(), startServer()]);
    const pool = createHttpPool({ origins: servers.map((server) => server.origin), failover: { downAfterFailures: 1, probe: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 } } });
    for (let i = 0; i < 4; i++) expect((await request('http://api.internal/', { dispatcher: pool })).statusCode).toBe(200);
    for (const server of servers) await server.kill();
    for (let i = 0; i < 3; i++) {
      const error = await request('http://api.internal/', { dispatcher: pool }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'HTTP_NO_ORIGIN', cause: { code: 'ECONNREFUSED' } });
    }
    expect(pool.status().map((status) => status.up)).toEqual([false, false]);
    await (servers[1] as TestServer).restart();
    const back = await request('http://api.internal/back', { dispatcher: pool });
    expect(back.statusCode).toBe(200);
    await back.body.text();
    expect(pool.status().map((status) => status.up)).toEqual([false, true]);
    await pool.close();
    for (const server of servers) await server.close();
  });

  it('a lone origin that is down: each request gets the connect error at once, and the first request after the server is back succeeds', async () => {
    const only = await startServer();
    // background probes an hour apart: only the requests' own probes can bring the origin back
    const single = createHttpPool({ origin: only.origin, failover: { downAfterFailures: 1, probe: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 } } });
    expect((await request(only.origin, { dispatcher: single })).statusCode).toBe(200);
    await only.kill();
    for (const path of ['/x', '/y', '/z']) {
      const started = performance.now();
      const error = await request(`${only.origin}${path}`, { dispatcher: single }).catch((caught: unknown) => caught);
      // undici's Pool gives the refusal itself, as here (not a pool error wrapping it)
      expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
      expect(performance.now() - started).toBeLessThan(2_000);
    }
    expect(single.status()[0]?.up).toBe(false);
    await only.restart();
    const back = await request(`${only.origin}/back`, { dispatcher: single });
    expect(back.statusCode).toBe(200);
    await back.body.text();
    expect(single.status()[0]?.up).toBe(true);
    await single.close();
    await only.close();
  });

  it('requests waiting for a lone origin\'s probe share one probe', async () => {
    const gate = await startServer((req, res) => res.end('ok'));
    const single = createHttpPool({ origin: gate.origin, failover: { downAfterFailures: 1, probe: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 } } });
    await gate.kill();
    await request(gate.origin, { dispatcher: single }).catch(() => undefined); // takes it out
    expect(single.status()[0]?.up).toBe(false);
    await gate.restart();
    const before = gate.connections;
    const results = await Promise.all([1, 2, 3, 4].map(async (n) => (await request(`${gate.origin}/${n}`, { dispatcher: single })).body.text()));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
    // one probe connection, then at most one pooled connection per request (a probe each would make 8)
    expect(gate.connections - before).toBeLessThanOrEqual(5);
    await single.close();
    await gate.close();
  });

  it('a request waiting for a lone origin\'s probe leaves at once when its signal aborts', async () => {
    const gate = await startServer();
    const single = createHttpPool({ origin: gate.origin, failover: { downAfterFailures: 1, probe: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 } }, pool: { validateTimeoutMs: 20_000 } });
    await gate.kill();
    await request(gate.origin, { dispatcher: single }).catch(() => undefined);
    expect(single.status()[0]?.up).toBe(false);
    // back, but silent: the probe connects and its health check hangs
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(gate.port, '127.0.0.1', resolve));
    const started = performance.now();
    const error = await request(gate.origin, { dispatcher: single, signal: AbortSignal.timeout(100) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) });
    expect(performance.now() - started).toBeLessThan(5_000);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await single.destroy();
  });
});
