import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { classifyRedisCreateError } from '../src/classify.js';
import { type PrivateRedis, redisServerBinary, startPrivateRedis } from './helpers.js';

const svc = await requireService('redis');
const binary = redisServerBinary();

describe('connect pacing after a server turned a connection away', () => {
  it("max clients, BUSY and a socket dropped in the handshake are 'busy' (a server that is up: @pool/core paces the connects); refused and timeouts are transient", () => {
    expect(classifyRedisCreateError(new Error('ERR max number of clients reached'))).toBe('busy');
    expect(classifyRedisCreateError(new Error('x', { cause: Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) }))).toBe('busy');
    expect(classifyRedisCreateError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('busy');
    expect(classifyRedisCreateError(new Error('BUSY Redis is busy running a script.'))).toBe('busy');
    expect(classifyRedisCreateError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifyRedisCreateError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toBe('transient');
    expect(classifyRedisCreateError(new Error('LOADING Redis is loading the dataset in memory'))).toBe('transient');
    // a wrong password is permanent; while sessions it authenticated are open the provider says 'busy' (server-states.test.ts)
    expect(classifyRedisCreateError(new Error('WRONGPASS invalid username-password pair'))).toBe('permanent');
  });
});

describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('max clients reached (private redis-server, maxclients 1)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis(['--maxclients', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('callers wait without a reconnect storm (no more connects than a plain ioredis client makes), and are served once a client leaves', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    const hog = new Redis(url, { maxRetriesPerRequest: 1 });
    await hog.ping();
    let plainAttempts = 0;
    const plain = new Redis(url, { maxRetriesPerRequest: null });
    plain.on('error', () => plainAttempts++);
    const redis = createRedisPool({ url, pool: { max: 2, acquireTimeoutMs: 2_500 } });
    redis.pool.on('error', () => undefined);
    try {
      const error = await redis.call('PING').catch((caught: unknown) => caught);
      expect(isPoolError(error, 'POOL_CREATE_FAILED') || isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
      // ioredis meets the closed socket before the server's reason: the message says what it likely is
      expect(String(((error as Error).cause as Error | undefined)?.message)).toMatch(/max number of clients reached|max clients reached\?/);
      const attempts = redis.stats().totals.createErrors;
      // without pacing the pool probes every 25 ms: ~80 connects in these 2.5 s; paced ('busy'), about 6
      expect(attempts).toBeGreaterThan(0);
      expect(attempts).toBeLessThanOrEqual(Math.max(12, plainAttempts));
      plain.disconnect(); // it would take the slot the hog frees
      hog.disconnect();
      const started = performance.now();
      expect(await redis.call('PING', [], { timeoutMs: 10_000 })).toBe('PONG');
      expect(performance.now() - started).toBeLessThan(8_000);
    } finally {
      hog.disconnect();
      plain.disconnect();
      await redis.end();
    }
  });
});
