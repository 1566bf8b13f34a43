import { isPoolError } from '@pool/core';
import { closePoolsAfterEach, cutRequests, expectCutRun, waitUntil } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsPool, isWsPoolError, type WsPool, type WsPoolOptions } from '../src/index.js';
import { startWsServer, type TestWsServer } from './helpers/ws-server.js';

let server: TestWsServer;
const track = closePoolsAfterEach();

beforeAll(async () => {
  server = await startWsServer();
});
afterAll(async () => {
  await server.close();
});

function wsPool(max = 2, extra: Partial<WsPoolOptions> = {}): WsPool {
  return track(createWsPool({ url: server.url, closeTimeoutMs: 200, ...extra, pool: { max, validateAfterIdleMs: Infinity } }));
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

  it('a borrower who set binaryType (\'blob\', \'arraybuffer\') or removed the \'message\' listeners: the next request on that socket still gets its reply', async () => {
    const pool = wsPool(1);
    const first = await pool.use((ws) => {
      // ws 8.18 supports 'blob' (Node >= 18); @types/ws does not list it yet
      (ws as { binaryType: string }).binaryType = 'blob';
      return ws;
    });
    expect((await pool.request<Echo>({ op: 'binary', value: 'after blob' }, { timeoutMs: 2000 })).echo).toBe('after blob');
    await pool.use((ws) => {
      ws.binaryType = 'arraybuffer';
      ws.removeAllListeners('message');
    });
    expect((await pool.request<Echo>({ op: 'echo', value: 'after removeAllListeners' }, { timeoutMs: 2000 })).echo).toBe('after removeAllListeners');
    await pool.use((ws) => ws.removeAllListeners());
    expect((await pool.request<Echo>({ op: 'binary', value: 'after all' }, { timeoutMs: 2000 })).echo).toBe('after all');
    // the same socket all along: put back in order, not replaced
    expect(await pool.use((ws) => ws)).toBe(first);
    expect(pool.stats().totals.created).toBe(1);
  });

  it('keeps an id the caller supplies, and honours a custom idField', async () => {
    const pool = wsPool(1);
    expect(await pool.request<Echo>({ id: 42, op: 'echo', value: 'mine' })).toEqual({ id: 42, echo: 'mine' });
    const custom = wsPool(1, { idField: 'rid' });
    const reply = await custom.request<{ rid: string; echo: string }>({ op: 'echo', value: 'by rid' });
    expect(reply.echo).toBe('by rid');
    expect(typeof reply.rid).toBe('string');
  });

  it('timeout with destroyOnTimeout: false: POOL_TIMEOUT phase query; the socket is kept and the late reply dropped, never given to the next request', async () => {
    const pool = wsPool(1, { destroyOnTimeout: false });
    const socket = await pool.use((ws) => ws);
    const error = await pool.request({ op: 'slow', ms: 150, value: 'late' }, { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_TIMEOUT') && (error as { phase?: string }).phase === 'query').toBe(true);
    // the next request on the same socket is sent while the late reply is still on its way
    const next = await pool.request<Echo>({ op: 'slow', ms: 200, value: 'next' });
    expect(next.echo).toBe('next');
    expect(pool.droppedReplies).toBe(1);
    expect(await pool.use((ws) => ws)).toBe(socket);
    expect(pool.stats().totals.destroyed).toBe(0);
  });

  it('replies out of order (destroyOnTimeout: false): late replies to three timed-out requests arrive in reverse order while a fourth waits; all dropped, the fourth gets its own', async () => {
    const pool = wsPool(1, { destroyOnTimeout: false });
    const socket = await pool.use((ws) => ws);
    // sent one after the other on the one socket; the server answers the first last
    for (const [ms, value] of [[300, 'first'], [220, 'second'], [140, 'third']] as const) {
      const error = await pool.request({ op: 'slow', ms, value }, { timeoutMs: 20 }).catch((e: unknown) => e);
      expect(isPoolError(error, 'POOL_TIMEOUT') && (error as { phase?: string }).phase === 'query').toBe(true);
    }
    // the three late replies (third, second, first) come back while this one waits for its own
    const fourth = await pool.request<Echo>({ op: 'slow', ms: 450, value: 'fourth' }, { timeoutMs: 5_000 });
    expect(fourth.echo).toBe('fourth');
    expect(pool.droppedReplies).toBe(3);
    // and with ids chosen by the caller: a reply carrying another request's id never resolves this one
    const error = await pool.request({ id: 'x-1', op: 'slow', ms: 120, value: 'old' }, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_TIMEOUT') && (error as { phase?: string }).phase === 'query').toBe(true);
    expect(await pool.request<Echo>({ id: 'x-2', op: 'slow', ms: 250, value: 'new' })).toEqual({ id: 'x-2', echo: 'new' });
    expect(pool.droppedReplies).toBe(4);
    expect(await pool.use((ws) => ws)).toBe(socket);
    expect(pool.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
  });

  it('by default (destroyOnTimeout: true) the socket of a timed-out request is destroyed, never reused', async () => {
    const pool = wsPool(1);
    const socket = await pool.use((ws) => ws);
    const error = await pool.request({ op: 'slow', ms: 150 }, { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_TIMEOUT') && (error as { phase?: string }).phase === 'query').toBe(true);
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

  it('a message that is not a JSON object, or whose id is not a string or number: WS_INVALID_MESSAGE, nothing sent', async () => {
    const pool = wsPool(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(isWsPoolError(await pool.request(cyclic).catch((e: unknown) => e), 'WS_INVALID_MESSAGE')).toBe(true);
    expect(isWsPoolError(await pool.request([] as never).catch((e: unknown) => e), 'WS_INVALID_MESSAGE')).toBe(true);
    // an id no parsed reply can equal: refused, not sent to time out
    for (const id of [{ n: 1 }, [1], true]) {
      const error = await pool.request({ id, op: 'echo' }).catch((e: unknown) => e);
      expect(isWsPoolError(error, 'WS_INVALID_MESSAGE'), JSON.stringify(id)).toBe(true);
      expect((error as Error).message).toContain('id field must be a string or a number');
    }
    expect(pool.stats().totals.created).toBe(0);
  });

  it('row 34 (destroyOnTimeout: false): 10,000 requests, one in five cut (abort or timeout) while its reply is in flight: every reply reaches its own caller, each late reply is dropped', async () => {
    const pool = wsPool(8, { destroyOnTimeout: false });
    // 8 callers over 8 sockets: a call never queues behind another, so its cut lands after sending
    const run = await cutRequests(
      async (i, slow, options) => (await pool.request<Echo>(slow ? { op: 'slow', ms: 10, value: i } : { op: 'echo', value: i }, options)).echo === i,
      (error) => isWsPoolError(error, 'WS_ABORTED'),
    );
    // every reply reached its own caller, every cut failed typed, cuts landed with the reply still on its way...
    expectCutRun(run);
    // ...and every one of those late replies came back and was recognised by id and dropped, never
    // handed to another call (the sockets are kept: replies are matched by id, not by order)
    await waitUntil(() => pool.droppedReplies === run.cutMidReply, 'every late reply to arrive and be dropped', 5_000);
    expect(pool.stats().totals.destroyed).toBe(0);
  }, 60_000);
});
