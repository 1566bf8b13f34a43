import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { connectPacer, refusedWhileUp } from '../src/connect-pacing.js';
import { type PrivateRedis, redisServerBinary, startPrivateRedis } from './helpers.js';

const svc = await requireService('redis');
const binary = redisServerBinary();

describe('connect pacing after a server turned a connection away', () => {
  it('max clients, BUSY, credentials and a socket dropped in the handshake are refusals of a server that is up; refused and timeouts are not', () => {
    expect(refusedWhileUp(new Error('ERR max number of clients reached'))).toBe(true);
    expect(refusedWhileUp(new Error('x', { cause: Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) }))).toBe(true);
    expect(refusedWhileUp(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(refusedWhileUp(new Error('BUSY Redis is busy running a script.'))).toBe(true);
    expect(refusedWhileUp(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(refusedWhileUp(new Error('WRONGPASS invalid username-password pair'))).toBe(true); // a rotated password: see create-errors
    expect(refusedWhileUp(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toBe(false);
  });

  it('waits 100 ms after the first refusal, doubling to 2 s; a success or another failure ends it; an abort ends the wait', async () => {
    let clock = 0;
    const pacer = connectPacer(() => clock);
    const refused = new Error('ERR max number of clients reached');
    const never = new AbortController().signal;
    const delayOf = async (): Promise<boolean> => {
      let settled = false;
      void pacer.wait(never).then(() => (settled = true));
      await Promise.resolve();
      return settled;
    };
    expect(await delayOf()).toBe(true);
    for (let i = 0; i < 8; i++) pacer.failed(refused);
    clock += 1_999;
    expect(await delayOf()).toBe(false); // capped at 2 s
    pacer.failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await delayOf()).toBe(true);
    pacer.failed(refused);
    const controller = new AbortController();
    const waiting = pacer.wait(controller.signal);
    controller.abort(new Error('create timed out'));
    await expect(waiting).rejects.toThrow('create timed out');
    pacer.succeeded();
    expect(await delayOf()).toBe(true);
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
      // without pacing the pool probes every 25 ms: ~80 connects in these 2.5 s; paced, about 5
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
