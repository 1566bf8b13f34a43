import { inspect } from 'node:util';
import { isPoolError, type PoolLogger } from '@pool/core';
import { startFaultProxy, type FaultProxy, requireService } from '@pool/testkit';
import { ReplyError, type Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisPool, isFatalRedisError, type RedisPool } from '../src/index.js';
import {
  adminClient, clientsNamed, deletePrefix, redisAddress, redisServerBinary, redisUrl, sampleTraffic, sleep, startPrivateRedis, uniqueName, uniquePrefix, waitFor,
  type PrivateRedis,
} from './helpers.js';

// the shared server: unreachable skips loudly locally and fails with CI=true
const svc = await requireService('redis');

let admin: Redis;
const prefix = uniquePrefix('reliability');
beforeAll(() => {
  if (svc.available) admin = adminClient();
});
afterAll(async () => {
  if (admin === undefined) return;
  await deletePrefix(admin, prefix);
  admin.disconnect();
});

async function expectConsistent(pool: RedisPool): Promise<void> {
  await waitFor(() => pool.stats().creating === 0, 3_000, 'creates in flight to settle');
  const stats = pool.stats();
  expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
  expect(stats.idle + stats.borrowed).toBe(stats.size);
}

describe.skipIf(!svc.available)('row 16: idle connections killed server-side (CLIENT KILL ID)', () => {
  it('stale connections are detected by status, replaced, and the next commands succeed', async () => {
    const name = uniqueName('kill');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { min: 3, max: 3 } });
    const reasons: string[] = [];
    const clients: Redis[] = [];
    pool.pool.on('destroy', ({ reason }) => reasons.push(reason));
    pool.pool.on('create', ({ resource }) => clients.push(resource));
    try {
      await pool.pool.ready();
      const before = await clientsNamed(admin, name);
      expect(before.length).toBe(3);
      for (const row of before) await admin.client('KILL', 'ID', row.id as string);
      // the pool detects them by status alone: wait until ioredis has seen each socket close
      await waitFor(() => clients.length === 3 && clients.every((client) => client.status !== 'ready'), 3_000, 'ioredis to see the killed sockets close');
      const t0 = performance.now();
      const replies = await Promise.all([1, 2, 3].map((i) => pool.withConnection((client) => client.set(`${prefix}k16-${i}`, 'ok'))));
      expect(replies).toEqual(['OK', 'OK', 'OK']);
      expect(performance.now() - t0).toBeLessThan(1_500);
      expect(reasons.filter((reason) => reason === 'broken').length).toBe(3);
      const after = await clientsNamed(admin, name);
      expect(after.length).toBe(3);
      expect(after.some((row) => before.some((old) => old.id === row.id))).toBe(false);
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  });

  it('a kill not yet noticed: the first command succeeds or fails once with a clear fatal error, the next succeeds', async () => {
    const name = uniqueName('kill2');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { min: 1, max: 1, validateAfterIdleMs: Number.POSITIVE_INFINITY } });
    try {
      await pool.pool.ready();
      const [row] = await clientsNamed(admin, name);
      await admin.client('KILL', 'ID', row?.id as string);
      const outcomes: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        outcomes.push(await pool.withConnection((client) => client.ping()).catch((error: unknown) => error));
      }
      const failures = outcomes.filter((outcome) => outcome !== 'PONG');
      expect(failures.length).toBeLessThanOrEqual(1);
      for (const failure of failures) {
        expect(isFatalRedisError(failure) || isPoolError(failure)).toBe(true);
        expect(String((failure as Error).message)).toMatch(/closed|ECONNRESET|writeable/i);
      }
      expect(outcomes.at(-1)).toBe('PONG');
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  });
});

// Rows 16 and 17 as the matrix injects them: the server itself stopped and started. The shared
// server must never be restarted, so these run against a private redis-server on its own port.
const restartable = redisServerBinary();
describe.skipIf(!svc.available || (restartable === undefined && process.env.CI !== 'true'))('rows 16 and 17 with a real server restart (private redis-server)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const runId = (info: string) => /^run_id:(\w+)/m.exec(info)?.[1];

  it('row 16: server restarted while connections idle: stale ones detected and replaced; the first command after the restart succeeds or fails once with a clear error', async () => {
    const pool = createRedisPool({ host: '127.0.0.1', port: server.port, clientName: 'restart16', pool: { min: 3, max: 3, retry: { minDelayMs: 50, maxDelayMs: 400 } } });
    const reasons: string[] = [];
    const clients: Redis[] = [];
    pool.pool.on('destroy', ({ reason }) => reasons.push(reason));
    pool.pool.on('create', ({ resource }) => clients.push(resource));
    try {
      await pool.pool.ready();
      const before = runId(await pool.withConnection((client) => client.info('server')));
      const stale = [...clients];
      await server.down();
      await server.up();
      const upAt = performance.now();
      const outcomes: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        outcomes.push(await pool.withConnection((client) => client.info('server'), { timeoutMs: 2_000 }).catch((error: unknown) => error));
      }
      const failures = outcomes.filter((outcome) => typeof outcome !== 'string');
      expect(failures.length).toBeLessThanOrEqual(1);
      for (const failure of failures) {
        expect(isPoolError(failure) || isFatalRedisError(failure)).toBe(true);
        expect(typeof (failure as { code?: unknown }).code, String(failure)).toBe('string');
      }
      const after = outcomes.filter((outcome): outcome is string => typeof outcome === 'string');
      expect(after.length).toBeGreaterThanOrEqual(2);
      // answered by the restarted server, on new connections: every stale one was destroyed
      expect(runId(after[0] as string)).not.toBe(before);
      expect(performance.now() - upAt).toBeLessThan(1_500);
      for (const client of stale) expect(client.status).toBe('end');
      expect(reasons.filter((reason) => reason === 'broken' || reason === 'released-destroyed').length).toBeGreaterThanOrEqual(3);
      await waitFor(() => pool.stats().idle === 3, 3_000, 'back to min idle');
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  });

  it('row 17: server stopped for 5 s under traffic: callers get errors by their deadline; the pool is full again soon after it returns', async () => {
    const pool = createRedisPool({
      host: '127.0.0.1', port: server.port, clientName: 'down17',
      pool: { min: 4, max: 4, acquireTimeoutMs: 800, createTimeoutMs: 500, validateTimeoutMs: 300, retry: { minDelayMs: 50, maxDelayMs: 400 } },
    });
    const errors: unknown[] = [];
    pool.pool.on('error', (error) => errors.push(error));
    try {
      await pool.pool.ready();
      const { samples, stop } = sampleTraffic(() => pool.withConnection((client) => client.incr('traffic'), { timeoutMs: 800 }));
      await sleep(1_000);
      const downAt = performance.now();
      await server.down();
      const stoppedAt = performance.now();
      await sleep(5_000);
      const startingAt = performance.now();
      await server.up();
      const upAt = performance.now();
      await waitFor(() => samples.some((sample) => sample.ok && sample.at >= upAt), 3_000, 'a command to succeed after the restart');
      await waitFor(() => pool.stats().idle + pool.stats().borrowed === 4 && pool.stats().creating === 0, 3_000, 'the pool full again');
      const fullAt = performance.now();
      await sleep(300);
      await stop();

      // every call settled by its deadline: 800 ms to get a connection, a command on a dead socket fails at once
      expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(800 + 400);
      const during = samples.filter((sample) => sample.at > stoppedAt + 100 && sample.at + sample.ms < startingAt);
      expect(during.length).toBeGreaterThan(20);
      expect(during.every((sample) => !sample.ok)).toBe(true);
      for (const failure of samples.filter((sample) => !sample.ok)) {
        expect(isPoolError(failure.error) || isFatalRedisError(failure.error), String(failure.error)).toBe(true);
        // zero failed calls without a code: ioredis's codeless "Connection is closed." is POOL_CONNECTION_LOST
        expect(typeof (failure.error as { code?: unknown }).code, String(failure.error)).toBe('string');
      }
      expect(samples.filter((sample) => sample.ok && sample.at < downAt).length).toBeGreaterThan(10);
      // back within one backoff (maxDelayMs 400) plus a connect, and full well within the 3 s budget
      const firstOkAfter = Math.min(...samples.filter((sample) => sample.ok && sample.at >= upAt).map((sample) => sample.at + sample.ms));
      expect(firstOkAfter - upAt).toBeLessThan(1_500);
      expect(fullAt - upAt).toBeLessThan(3_000);
      expect(samples.filter((sample) => sample.ok && sample.at >= upAt).length).toBeGreaterThan(10);
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  }, 30_000);
});

describe.skipIf(!svc.available)('fault proxy rows', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(redisAddress());
  });
  afterEach(async () => {
    await proxy.heal();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('row 17: server down for ~2.5 s under traffic: callers get errors by their deadline, the pool is full again soon after', async () => {
    const pool = createRedisPool({
      host: proxy.host, port: proxy.port, clientName: uniqueName('down'),
      pool: { min: 4, max: 4, acquireTimeoutMs: 800, createTimeoutMs: 500, validateTimeoutMs: 300, retry: { minDelayMs: 50, maxDelayMs: 400 } },
    });
    try {
      await pool.pool.ready();
      const started = performance.now();
      let downAt = Infinity;
      let upAt = Infinity;
      const { samples, stop } = sampleTraffic(() => pool.withConnection((client) => client.incr(`${prefix}traffic`), { timeoutMs: 800 }));
      await sleep(1_000);
      downAt = performance.now();
      await proxy.refuse(true);
      proxy.closeAll();
      await sleep(2_500);
      await proxy.refuse(false);
      upAt = performance.now();
      await sleep(Math.max(0, started + 5_500 - performance.now()));
      await stop();

      // every call settled by its deadline (800 ms acquire; a command on a closed socket fails at once)
      expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(800 + 300);
      const during = samples.filter((s) => s.at > downAt + 100 && s.at < upAt - 100);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((s) => !s.ok)).toBe(true);
      for (const failure of samples.filter((s) => !s.ok)) {
        const error = failure.error;
        expect(isPoolError(error) || isFatalRedisError(error)).toBe(true);
      }
      const firstOkAfter = samples.filter((s) => s.ok && s.at >= upAt).map((s) => s.at + s.ms)[0];
      expect(firstOkAfter).toBeDefined();
      expect((firstOkAfter as number) - upAt).toBeLessThan(1_500);
      await waitFor(() => pool.stats().idle === 4, 3_000, 'pool back to min idle');
      expect(samples.filter((s) => s.ok && s.at < downAt).length).toBeGreaterThan(10);
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  });

  it('row 19: connection reset during a BLPOP: that caller gets an error, the connection is destroyed, the next caller is fine', async () => {
    const name = uniqueName('rst');
    const pool = createRedisPool({ host: proxy.host, port: proxy.port, clientName: name, pool: { max: 2 } });
    const reasons: string[] = [];
    pool.pool.on('destroy', ({ reason }) => reasons.push(reason));
    try {
      const blocked = pool.blpop(`${prefix}never19`, 5).catch((error: unknown) => error);
      await waitFor(async () => (await clientsNamed(admin, name)).some((row) => row.flags?.includes('b')), 3_000, 'blocked');
      const t0 = performance.now();
      proxy.resetAll();
      const error = await blocked;
      expect(performance.now() - t0).toBeLessThan(500);
      expect(isFatalRedisError(error)).toBe(true);
      expect(reasons).toEqual(['released-destroyed']);
      expect(await pool.withConnection((client) => client.set(`${prefix}k19`, 'fine'))).toBe('OK');
      await expectConsistent(pool);
      expect(pool.stats().totals).toMatchObject({ created: 2, destroyed: 1 });
    } finally {
      await pool.end();
    }
  });

  it('row 34 (redis-py CVE-2023-28858): 10,000 GETs of distinct keys with random aborts; every completed caller gets its own value', async () => {
    const keys = 10_000;
    const pipeline = admin.pipeline();
    for (let i = 0; i < keys; i++) pipeline.set(`${prefix}cve:${i}`, `value-${i}`);
    await pipeline.exec();
    proxy.setLatency(1); // replies spend a while in flight, so aborts land mid-reply
    const pool = createRedisPool({ host: proxy.host, port: proxy.port, clientName: uniqueName('cve'), pool: { max: 10, acquireTimeoutMs: 20_000 } });
    let destroyedAfterAbort = 0;
    pool.pool.on('destroy', ({ reason }) => {
      if (reason === 'released-destroyed') destroyedAfterAbort++;
    });
    try {
      let next = 0;
      let completed = 0;
      let aborted = 0;
      let wrong = 0;
      const worker = async () => {
        while (next < keys) {
          const i = next++;
          const controller = new AbortController();
          const roll = Math.random();
          // 5 %: abort while queued for a connection; 5 %: abort with the GET's reply in flight
          if (roll < 0.05) queueMicrotask(() => controller.abort());
          const midReply = roll >= 0.05 && roll < 0.1;
          try {
            const value = await pool.withConnection((client) => {
              const reply = client.get(`${prefix}cve:${i}`);
              if (midReply) setTimeout(() => controller.abort(), Math.random() * 2);
              return reply;
            }, { signal: controller.signal });
            completed++;
            if (value !== `value-${i}`) wrong++;
          } catch (error) {
            if (!isPoolError(error, 'POOL_ABORTED')) throw error;
            aborted++;
          }
        }
      };
      await Promise.all(Array.from({ length: 100 }, worker));
      expect(completed + aborted).toBe(keys);
      expect(wrong).toBe(0);
      expect(aborted).toBeGreaterThan(500);
      expect(completed).toBeGreaterThan(8_000);
      expect(destroyedAfterAbort).toBeGreaterThan(0);
      await waitFor(() => pool.stats().borrowed === 0 && pool.stats().creating === 0, 5_000, 'all leases back');
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  }, 60_000);
});

describe.skipIf(!svc.available)('row 33: failover (READONLY) evicts every connection', () => {
  it('a READONLY reply from a command makes the pool replace all its connections (simulated ReplyError)', async () => {
    const name = uniqueName('ro');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { min: 3, max: 3 } });
    const reasons: string[] = [];
    pool.pool.on('destroy', ({ reason }) => reasons.push(reason));
    try {
      await pool.pool.ready();
      const before = (await clientsNamed(admin, name)).map((row) => row.id);
      await expect(pool.withConnection(() => {
        throw new ReplyError("READONLY You can't write against a read only replica.");
      })).rejects.toThrow(/READONLY/);
      expect(reasons.sort()).toEqual(['evicted', 'evicted', 'released-destroyed']);
      await pool.pool.ready();
      await waitFor(async () => (await clientsNamed(admin, name)).length === 3, 3_000, 'three fresh connections');
      const after = (await clientsNamed(admin, name)).map((row) => row.id);
      expect(after.some((id) => before.includes(id))).toBe(false);
      expect(await pool.withConnection((client) => client.ping())).toBe('PONG');
      await expectConsistent(pool);
    } finally {
      await pool.end();
    }
  });

  const binary = redisServerBinary();
  describe.skipIf(binary === undefined && process.env.CI !== 'true')('against a real replica (private redis-servers)', () => {
    let primary: PrivateRedis;
    let replica: PrivateRedis;
    beforeAll(async () => {
      primary = await startPrivateRedis();
      replica = await startPrivateRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
    });
    afterAll(async () => {
      await replica?.stop();
      await primary?.stop();
    });

    it('a write to a replica fails with READONLY and every pooled connection is evicted', async () => {
      const pool = createRedisPool({ host: '127.0.0.1', port: replica.port, clientName: 'failover', pool: { min: 2, max: 2 } });
      const reasons: string[] = [];
      pool.pool.on('destroy', ({ reason }) => reasons.push(reason));
      try {
        await pool.pool.ready();
        await expect(pool.withConnection((client) => client.set('k', 'v'))).rejects.toThrow(/^READONLY/);
        expect(reasons.sort()).toEqual(['evicted', 'released-destroyed']);
        expect(pool.stats().totals.destroyed).toBe(2);
      } finally {
        await pool.end();
      }
    });
  });
});

describe.skipIf(!svc.available)('rows 27 and 35: a canary password never shows up', () => {
  const canary = `canary-${Math.random().toString(36).slice(2)}-pw`;

  function capture(pool: RedisPool, sink: string[]): void {
    for (const event of ['create', 'destroy', 'acquire', 'release', 'error', 'availability'] as const) {
      pool.pool.on(event, (payload: unknown) => {
        // the resource itself is the caller's ioredis client (it holds its own options); everything else is ours
        const { resource: _resource, ...rest } = (typeof payload === 'object' && payload !== null ? payload : { payload }) as Record<string, unknown>;
        sink.push(inspect(payload instanceof Error ? payload : rest, { depth: 8 }));
      });
    }
  }

  function logger(sink: string[]): PoolLogger {
    const line = (fields: unknown, message?: string) => sink.push(`${inspect(fields, { depth: 8 })} ${message ?? ''}`);
    return { debug: line, info: line, warn: line, error: line } as PoolLogger;
  }

  it('row 35: a canary password in the URL against a server without auth: nothing leaks through errors, events, logs or the console', async () => {
    const sink: string[] = [];
    const warn = vi.spyOn(console, 'warn');
    const proxy = await startFaultProxy(redisAddress());
    const name = uniqueName('canary');
    const pool = createRedisPool({ url: `redis://:${canary}@${proxy.host}:${proxy.port}/0`, reset: 'command', clientName: name, pool: { max: 2, logger: logger(sink) } });
    capture(pool, sink);
    try {
      // reset 'command' re-sends AUTH after RESET: the server refuses it, so every release reports an error event
      expect(await pool.withConnection((client) => client.ping())).toBe('PONG');
      await waitFor(() => sink.some((line) => line.includes('POOL_RESET_FAILED')), 2_000, 'reset failure event');
      const blocked = pool.blpop(`${prefix}never35`, 5).catch((error: unknown) => error);
      // the BLPOP needs a new connection first (the reset failure destroyed the last one): reset it once it blocks
      await waitFor(async () => (await clientsNamed(admin, name)).some((row) => row.flags?.includes('b')), 3_000, 'blocked');
      proxy.resetAll();
      sink.push(inspect(await blocked, { depth: 8 }));
      await proxy.refuse(true);
      const refused = await pool.withConnection((client) => client.ping(), { timeoutMs: 500 }).catch((error: unknown) => error);
      sink.push(inspect(refused, { depth: 8 }), String((refused as Error).stack));
      expect(sink.length).toBeGreaterThan(3);
      for (const call of warn.mock.calls) sink.push(call.map((arg) => inspect(arg, { depth: 8 })).join(' '));
      const leaks = sink.filter((line) => line.includes(canary));
      expect(leaks).toEqual([]);
    } finally {
      warn.mockRestore();
      await pool.end();
      await proxy.close();
    }
  });

  const binary = redisServerBinary();
  describe.skipIf(binary === undefined && process.env.CI !== 'true')('against a private redis-server with requirepass', () => {
    let server: PrivateRedis;
    beforeAll(async () => {
      server = await startPrivateRedis(['--requirepass', 'the-right-one'], 'the-right-one');
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('row 27: a wrong password fails create with a clear error that does not contain it', async () => {
      const sink: string[] = [];
      const pool = createRedisPool({ url: `redis://default:${canary}@127.0.0.1:${server.port}`, pool: { max: 1, acquireTimeoutMs: 1_500, logger: logger(sink), retry: { minDelayMs: 50, maxDelayMs: 100 } } });
      capture(pool, sink);
      try {
        const error = await pool.withConnection((client) => client.ping()).catch((caught: unknown) => caught);
        // POOL_CREATE_FAILED by the deadline, or POOL_UNAVAILABLE once the circuit breaker opened
        expect(isPoolError(error, 'POOL_CREATE_FAILED') || isPoolError(error, 'POOL_UNAVAILABLE')).toBe(true);
        expect((error as Error).message).toMatch(/WRONGPASS/);
        expect(((error as Error).cause as { code?: string }).code).toBe('REDIS_CONNECT_FAILED');
        sink.push(inspect(error, { depth: 10 }), String((error as Error).stack));
        expect(sink.filter((line) => line.includes(canary))).toEqual([]);
        expect(sink.some((line) => line.includes('WRONGPASS'))).toBe(true);
      } finally {
        await pool.end();
      }
    });
  });
});
