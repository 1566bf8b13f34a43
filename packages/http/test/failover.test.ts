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

  it('fails fast with HTTP_NO_ORIGIN when every origin is down, and recovers', async () => {
    const only = await startServer();
    const single = createHttpPool({ origin: only.origin, failover: { downAfterFailures: 1, probe: { minDelayMs: 50, maxDelayMs: 200 } } });
    expect((await request(only.origin, { dispatcher: single })).statusCode).toBe(200);
    await only.kill();
    const first = await request(`${only.origin}/x`, { dispatcher: single }).catch((error: unknown) => error);
    const second = await request(`${only.origin}/y`, { dispatcher: single }).catch((error: unknown) => error);
    expect((second as { code?: string }).code).toBe('HTTP_NO_ORIGIN');
    expect(String((second as Error).message)).toContain('1 of 1 down');
    expect((first as { code?: string }).code).toBe('HTTP_NO_ORIGIN');
    expect(((first as Error).cause as { code?: string }).code).toMatch(/POOL_ABORTED|POOL_UNAVAILABLE|ECONNREFUSED/);
    await only.restart();
    await until(() => single.status()[0]?.up === true, 5_000, 'the origin to come back');
    expect((await request(`${only.origin}/z`, { dispatcher: single })).statusCode).toBe(200);
    await single.close();
    await only.close();
  });
});
