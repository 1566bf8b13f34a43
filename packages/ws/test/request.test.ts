import { isPoolError } from '@pool/core';
import { waitUntil } from '@pool/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWsPool, isWsPoolError, type WsPool, type WsPoolOptions } from '../src/index.js';
import { startWsServer, type TestWsServer } from './helpers/ws-server.js';

let server: TestWsServer;
const open: WsPool[] = [];

beforeAll(async () => {
  server = await startWsServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const pool of open.splice(0)) {
    await pool.close({ timeoutMs: 2000 });
    const stats = pool.stats();
    expect(stats.size).toBe(0);
    expect(stats.totals.created).toBe(stats.totals.destroyed);
  }
});

function wsPool(max = 2, extra: Partial<WsPoolOptions> = {}): WsPool {
  const pool = createWsPool({ url: server.url, closeTimeoutMs: 200, ...extra, pool: { max, validateAfterIdleMs: Infinity } });
  open.push(pool);
  return pool;
}

interface Echo {
  id: string;
  echo: unknown;
}

describe('createWsPool: request()', () => {
  it('sends JSON with a generated id and resolves with the reply carrying that id', async () => {
    const pool = wsPool();
    const reply = await pool.request<Echo>({ op: 'echo', value: 'hi' });
    expect(reply.echo).toBe('hi');
    expect(typeof reply.id).toBe('string');
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.request<Echo>({ op: 'echo', value: i })));
    expect(replies.map((r) => r.echo)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(pool.stats().totals.created).toBeLessThanOrEqual(2);
  });

  it('a reply in a binary frame is matched like a text one', async () => {
    const pool = wsPool(1);
    expect((await pool.request<Echo>({ op: 'binary', value: 'bin' })).echo).toBe('bin');
  });

  it('keeps an id the caller supplies, and honours a custom idField', async () => {
    const pool = wsPool(1);
    expect(await pool.request<Echo>({ id: 42, op: 'echo', value: 'mine' })).toEqual({ id: 42, echo: 'mine' });
    const custom = wsPool(1, { idField: 'rid' });
    const reply = await custom.request<{ rid: string; echo: string }>({ op: 'echo', value: 'by rid' });
    expect(reply.echo).toBe('by rid');
    expect(typeof reply.rid).toBe('string');
  });

  it('timeout: WS_REQUEST_TIMEOUT; the socket is kept and the late reply dropped, never given to the next request', async () => {
    const pool = wsPool(1);
    const socket = await pool.use((ws) => ws);
    const error = await pool.request({ op: 'slow', ms: 150, value: 'late' }, { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_REQUEST_TIMEOUT')).toBe(true);
    // the next request on the same socket is sent while the late reply is still on its way
    const next = await pool.request<Echo>({ op: 'slow', ms: 200, value: 'next' });
    expect(next.echo).toBe('next');
    expect(pool.droppedReplies).toBe(1);
    expect(await pool.use((ws) => ws)).toBe(socket);
    expect(pool.stats().totals.destroyed).toBe(0);
  });

  it('destroyOnTimeout: true destroys the socket of a timed-out request instead', async () => {
    const pool = wsPool(1, { destroyOnTimeout: true });
    const socket = await pool.use((ws) => ws);
    const error = await pool.request({ op: 'slow', ms: 150 }, { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_REQUEST_TIMEOUT')).toBe(true);
    expect(pool.stats().totals.destroyed).toBe(1);
    expect(await pool.use((ws) => ws)).not.toBe(socket);
  });

  it('abort while waiting for the reply: WS_ABORTED with the reason as cause', async () => {
    const pool = wsPool(1);
    // an open socket first: an abort during a slow handshake would be the pool's POOL_ABORTED instead
    expect((await pool.request<Echo>({ op: 'echo', value: 'warm' })).echo).toBe('warm');
    const controller = new AbortController();
    const reason = new Error('user left');
    const pending = pool.request({ op: 'slow', ms: 100 }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
    expect((await pool.request<Echo>({ op: 'echo', value: 'after' })).echo).toBe('after');
  });

  it('abort while waiting for a socket is the pool\'s POOL_ABORTED', async () => {
    const pool = wsPool(1);
    const lease = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.request({ op: 'echo' }, { signal: controller.signal });
    controller.abort();
    expect(isPoolError(await waiting.catch((e: unknown) => e), 'POOL_ABORTED')).toBe(true);
    lease.release();
  });

  it('the server closes the socket mid-request: WS_CLOSED with the close code, socket destroyed, the pool recovers', async () => {
    const pool = wsPool(1);
    const error = await pool.request({ op: 'close' }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CLOSED')).toBe(true);
    expect((error as { closeCode: number }).closeCode).toBe(4000);
    expect((await pool.request<Echo>({ op: 'echo', value: 'back' })).echo).toBe('back');
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('unsolicited messages (no matching id) are dropped and counted', async () => {
    const pool = wsPool(1);
    expect((await pool.request<Echo>({ op: 'push', value: 1 })).echo).toBe(1);
    await waitUntil(() => pool.droppedReplies === 1, 'the unsolicited message');
    expect((await pool.request<Echo>({ op: 'echo', value: 2 })).echo).toBe(2);
  });

  it('a message that is not a JSON object: WS_INVALID_MESSAGE, nothing sent', async () => {
    const pool = wsPool(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(isWsPoolError(await pool.request(cyclic).catch((e: unknown) => e), 'WS_INVALID_MESSAGE')).toBe(true);
    expect(isWsPoolError(await pool.request([] as never).catch((e: unknown) => e), 'WS_INVALID_MESSAGE')).toBe(true);
    expect(pool.stats().totals.created).toBe(0);
  });

  it('2,000 requests with random timeouts and aborts: every reply reaches its own caller', async () => {
    // the budget covers the wait in the queue: the calls meant to succeed get 30 s, so the tail of
    // the queue does not time out on a slow machine
    const pool = wsPool(4);
    let ok = 0;
    let failed = 0;
    await Promise.all(Array.from({ length: 2000 }, async (_, i) => {
      const controller = new AbortController();
      const cut = i % 11 === 0 ? setTimeout(() => controller.abort(), 3) : undefined;
      try {
        const reply = await pool.request<Echo>(i % 5 === 0 ? { op: 'slow', ms: 15, value: i } : { op: 'echo', value: i }, { signal: controller.signal, timeoutMs: i % 7 === 0 ? 5 : 30_000 });
        expect(reply.echo).toBe(i);
        ok++;
      } catch (error) {
        expect(isWsPoolError(error) || isPoolError(error), String(error)).toBe(true);
        failed++;
      } finally {
        clearTimeout(cut);
      }
    }));
    expect(ok + failed).toBe(2000);
    expect(ok).toBeGreaterThan(1000);
  }, 30_000);
});
