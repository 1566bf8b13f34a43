import { isPoolError } from '@pool/core';
import { closePoolsAfterEach, cutRequests, expectCutRun, optionError } from '@pool/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTcpPool, isTcpPoolError, type TcpPool } from '../src/index.js';
import { startLineServer, type LineServer } from './helpers/line-server.js';

let lines: LineServer;
let frames: LineServer;
const track = closePoolsAfterEach();

beforeAll(async () => {
  lines = await startLineServer();
  frames = await startLineServer({ lengthPrefixed: true });
});
afterAll(async () => {
  await lines.close();
  await frames.close();
});
afterEach(() => {
  lines.silent = false;
});

function linePool(max = 2, extra: { requestTimeoutMs?: number; maxFrameBytes?: number } = {}): TcpPool<string> {
  return track(createTcpPool({ host: lines.host, port: lines.port, framing: 'line', ...extra, pool: { max, validateAfterIdleMs: Infinity } }));
}

describe('createTcpPool: request()', () => {
  it('line framing: request/response over pooled sockets, reused across calls', async () => {
    const pool = linePool();
    expect(await pool.request('ECHO hello')).toBe('hello');
    expect(await pool.request(Buffer.from('ECHO bytes'))).toBe('bytes');
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.request(`ECHO ${i}`)));
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(pool.stats().totals.created).toBeLessThanOrEqual(2);
  });

  it('length-prefixed framing: binary bodies round-trip, split frames are reassembled', async () => {
    const pool = track(createTcpPool({ host: frames.host, port: frames.port, framing: 'length-prefixed', pool: { max: 1 } }));
    const body = Buffer.alloc(300_000, 7);
    body[0] = 0;
    body[body.length - 1] = 0x0a;
    const reply = await pool.request(body);
    expect(Buffer.isBuffer(reply)).toBe(true);
    expect(reply.equals(body)).toBe(true);
    expect((await pool.request('')).length).toBe(0);
    expect(pool.stats().totals.created).toBe(1);
  });

  it('a timeout mid-request destroys that socket; the next caller gets its own reply', async () => {
    const pool = linePool(1);
    const first = await pool.use((socket) => socket);
    const error = await pool.request('SLOW 300 late', { timeoutMs: 80 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect((error as { phase?: string }).phase).toBe('query');
    expect(first.destroyed).toBe(true);
    expect(await pool.request('ECHO mine')).toBe('mine');
    // wait past the late reply: it went to the destroyed socket, never to anyone else
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pool.request('ECHO still-mine')).toBe('still-mine');
  });

  it('an abort mid-request rejects TCP_ABORTED (cause kept) and destroys that socket', async () => {
    const pool = linePool(1);
    // a connected socket first: an abort during a slow connect would be the pool's POOL_ABORTED instead
    expect(await pool.request('ECHO warm')).toBe('warm');
    const controller = new AbortController();
    const reason = new Error('user left');
    const pending = pool.request('SLOW 200 never-read', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 30);
    const error = await pending.catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
    expect(pool.stats().totals.destroyed).toBe(1);
    expect(await pool.request('ECHO after')).toBe('after');
  });

  it('an abort while waiting for a socket is the pool\'s POOL_ABORTED', async () => {
    const pool = linePool(1);
    const lease = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.request('ECHO x', { signal: controller.signal });
    controller.abort();
    expect(isPoolError(await waiting.catch((e: unknown) => e), 'POOL_ABORTED')).toBe(true);
    lease.release();
  });

  it('server closes mid-request: TCP_CLOSED, socket destroyed, next request fine', async () => {
    const pool = linePool(1);
    const error = await pool.request('QUIT').catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_CLOSED')).toBe(true);
    expect(await pool.request('ECHO recovered')).toBe('recovered');
    expect(pool.stats().totals.destroyed).toBe(1);
  });

  it('bytes after the reply: the reply is returned, the socket is not reused', async () => {
    const pool = linePool(1);
    const socket = await pool.use((s) => s);
    expect(await pool.request('TWICE dup')).toBe('dup');
    expect(socket.destroyed).toBe(true);
    expect(await pool.request('ECHO clean')).toBe('clean');
  });

  it('a reply over maxFrameBytes: TCP_FRAME_TOO_LARGE, socket destroyed', async () => {
    const pool = linePool(1, { maxFrameBytes: 1000 });
    const error = await pool.request('BIG 5000').catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_FRAME_TOO_LARGE')).toBe(true);
    expect(pool.stats().totals.destroyed).toBe(1);
    expect(await pool.request('BIG 10')).toBe('x'.repeat(10));
  });

  it('a line payload containing a newline: TCP_INVALID_PAYLOAD before any socket is borrowed', async () => {
    const pool = linePool(1);
    expect(await pool.request('ECHO a')).toBe('a');
    const error = await pool.request('ECHO a\nQUIT').catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_INVALID_PAYLOAD')).toBe(true);
    expect(pool.stats().totals.acquired).toBe(1);
    expect(pool.stats().totals.destroyed).toBe(0);
    expect(await pool.request('ECHO b')).toBe('b');
  });

  it('row 34: 10,000 requests, one in five cut (abort or timeout) while its reply is in flight: every reply reaches its own caller, every cut socket is destroyed', async () => {
    const pool = linePool(8, { requestTimeoutMs: 30_000 });
    let destroyed = 0;
    pool.on('destroy', () => destroyed++);
    // 8 callers over 8 sockets: a call never queues behind another, so its cut lands after sending
    // (unless a new socket is still connecting: a cut socket is replaced on demand)
    const run = await cutRequests(
      async (i, slow, options) => (await pool.request(slow ? `SLOW 10 id-${i}` : `ECHO id-${i}`, options)) === `id-${i}`,
      (error) => isTcpPoolError(error, 'TCP_ABORTED'),
    );
    // every call that was not cut got its own reply; every cut one failed with a typed error; cuts
    // landed with the reply still on its way (~1,990 of 2,000 unloaded; a cut while the replacement
    // socket is still connecting is a queued cut instead)...
    expectCutRun(run);
    // ...and each of those sockets was destroyed, never lent again (validateAfterIdleMs is off: nothing else destroys)
    expect(destroyed).toBe(run.cutMidReply);
    const stats = pool.stats();
    expect(stats.borrowed).toBe(0);
    expect(stats.size - stats.creating).toBe(stats.totals.created - stats.totals.destroyed);
  }, 60_000);

  it('rejects bad options with POOL_INVALID_OPTION naming the option', () => {
    const bad: [unknown, string][] = [
      [{ port: 0 }, 'port'],
      [{ port: 80, framing: 'xml' }, 'framing'],
      [{ port: 80, connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
      [{ port: 80, maxFrameBytes: -1 }, 'maxFrameBytes'],
      [{ port: 80, tls: 'yes' }, 'tls'],
      [{ port: 80, ping: 'PING' }, 'ping'],
      [{ port: 80, hots: 'typo' }, 'hots'],
      [JSON.parse('{"port": 80, "__proto__": {"polluted": true}}'), '__proto__'],
    ];
    for (const [options, option] of bad) {
      expect(optionError(() => createTcpPool(options as never), `${JSON.stringify(options)} should be refused`).option).toBe(option);
    }
  });
});
