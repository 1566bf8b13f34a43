import net, { type Socket } from 'node:net';
import { createPool, isPoolError } from '@pool/core';
import { waitUntil } from '@pool/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exchange, isTcpPoolError, tcpProvider, type TcpProviderOptions } from '../src/index.js';
import { startLineServer, type LineServer } from './helpers/line-server.js';

let server: LineServer;
const pools: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startLineServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
  server.silent = false;
});

function provider(extra: Partial<TcpProviderOptions> = {}) {
  return tcpProvider({ host: server.host, port: server.port, ...extra });
}

function pool(extra: Partial<TcpProviderOptions> = {}, options: Parameters<typeof createPool>[1] = {}) {
  const p = createPool(provider(extra), { max: 1, validateAfterIdleMs: 0, validateTimeoutMs: 300, acquireTimeoutMs: 3000, ...options });
  pools.push(p);
  return p;
}

const linePing = (socket: Socket, ctx: { signal: AbortSignal }) => exchange(socket, 'PING', { signal: ctx.signal }).then((reply) => reply === 'PONG');

describe('tcpProvider: sockets and their state', () => {
  it('creates a connected socket with noDelay and keepAlive applied, and destroys it', async () => {
    const p = provider();
    const socket = await p.create({ signal: new AbortController().signal });
    expect(await exchange(socket, 'ECHO hello')).toBe('hello');
    expect(p.isBroken!(socket)).toBe(false);
    await p.destroy!(socket);
    expect(socket.destroyed).toBe(true);
    expect(p.isBroken!(socket)).toBe(true);
  });

  it('noDelay and keepAlive (with its initial delay) are applied to each socket, defaults on; off when set false', async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    try {
      const byDefault = provider();
      const a = await byDefault.create({ signal: new AbortController().signal });
      expect(noDelay.mock.contexts.at(-1)).toBe(a);
      expect(noDelay.mock.calls.at(-1)).toEqual([true]);
      expect(keepAlive.mock.contexts.at(-1)).toBe(a);
      expect(keepAlive.mock.calls.at(-1)).toEqual([true, 60_000]);
      await byDefault.destroy!(a);
      const tuned = provider({ noDelay: false, keepAlive: true, keepAliveInitialDelayMs: 5_000 });
      const b = await tuned.create({ signal: new AbortController().signal });
      expect(noDelay.mock.contexts.at(-1)).toBe(b);
      expect(noDelay.mock.calls.at(-1)).toEqual([false]);
      expect(keepAlive.mock.calls.at(-1)).toEqual([true, 5_000]);
      await tuned.destroy!(b);
      const off = provider({ keepAlive: false });
      const c = await off.create({ signal: new AbortController().signal });
      expect(keepAlive.mock.contexts.at(-1)).toBe(c);
      expect(keepAlive.mock.calls.at(-1)?.[0]).toBe(false);
      expect(await exchange(c, 'ECHO still works')).toBe('still works');
      await off.destroy!(c);
    } finally {
      noDelay.mockRestore();
      keepAlive.mockRestore();
    }
  });

  it('a socket the peer reset (RST, a real ECONNRESET) is broken, isFatal says so, and the pool replaces it without an error to the caller', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const errors: unknown[] = [];
    p.on('error', (error) => errors.push(error));
    const first = await p.use(async (socket) => {
      expect(await exchange(socket, 'ECHO before')).toBe('before');
      return socket;
    });
    const seen: unknown[] = [];
    // the provider's own 'error' listener keeps the process alive; this one only records what arrived
    first.on('error', (error) => seen.push(error));
    await waitUntil(() => server.peerOf(first) !== undefined, 'the server to accept');
    server.peerOf(first)!.resetAndDestroy();
    await waitUntil(() => first.destroyed, 'the reset to reach the client');
    expect(p.stats().idle).toBe(1);
    const hooks = provider();
    expect(hooks.isBroken!(first)).toBe(true);
    expect((seen[0] as { code?: string } | undefined)?.code).toBe('ECONNRESET');
    expect(hooks.isFatal!(seen[0])).toBe(true);
    expect(p.stats().totals.destroyed).toBe(0);
    const second = await p.use(async (socket) => {
      expect(await exchange(socket, 'ECHO after')).toBe('after');
      return socket;
    });
    expect(second).not.toBe(first);
    expect(p.stats().totals.destroyed).toBe(1);
    expect(errors).toEqual([]);
  });

  it('a socket the peer closed is broken; the pool replaces it without an error to the caller', async () => {
    const p = pool();
    const first = await p.use((socket) => socket);
    server.closeAll();
    await waitUntil(() => first.destroyed || first.readableEnded, 'the client to see the close');
    const second = await p.use(async (socket) => {
      expect(await exchange(socket, 'ECHO again')).toBe('again');
      return socket;
    });
    expect(second).not.toBe(first);
    expect(p.stats().totals.destroyed).toBe(1);
  });

  it('a peer half-close (FIN only) marks the socket broken', async () => {
    const p = provider();
    const socket = await p.create({ signal: new AbortController().signal });
    // this socket's own peer: server.sockets may still hold an earlier test's socket, and the
    // client can see 'connect' before the server has accepted
    await waitUntil(() => server.peerOf(socket) !== undefined, 'the server to accept');
    server.peerOf(socket)!.end();
    await waitUntil(() => p.isBroken!(socket), 'the half-close to be seen');
    expect(await p.validate!(socket, { signal: new AbortController().signal, idleMs: 0 })).toBe(false);
    await p.destroy!(socket);
  });

  it('an error on an idle socket never crashes the process and breaks it', async () => {
    const p = provider();
    const socket = await p.create({ signal: new AbortController().signal });
    socket.emit('error', new Error('boom'));
    expect(p.isBroken!(socket)).toBe(true);
    expect(p.isFatal!(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(p.isFatal!(new Error('application error'))).toBe(false);
    await p.destroy!(socket);
  });

  it('on release, listeners the borrower added are removed and the pool\'s own stay', async () => {
    const p = pool();
    let base: Record<string, number> = {};
    const socket = await p.use((s) => {
      base = { data: s.listenerCount('data'), error: s.listenerCount('error'), end: s.listenerCount('end'), close: s.listenerCount('close'), timeout: s.listenerCount('timeout') };
      s.on('data', () => {});
      s.on('error', () => {});
      s.once('end', () => {});
      s.on('close', () => {});
      s.setTimeout(10_000, () => {});
      return s;
    });
    expect({ data: socket.listenerCount('data'), error: socket.listenerCount('error'), end: socket.listenerCount('end'), close: socket.listenerCount('close'), timeout: socket.listenerCount('timeout') }).toEqual(base);
    expect(socket.timeout ?? 0).toBe(0);
    // the pool's own tracking still works after the cleanup: a server close is still seen
    server.closeAll();
    await waitUntil(() => socket.destroyed, 'the close to reach the client');
    const next = await p.use((s) => s);
    expect(next).not.toBe(socket);
  });

  it('a borrower who removed every listener (removeAllListeners()): the pool\'s own are put back, so an idle socket\'s error is handled', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const count = (s: Socket) => Object.fromEntries(['error', 'end', 'close'].map((e) => [e, s.listenerCount(e)]));
    let base: Record<string, number> = {};
    const socket = await p.use((s) => {
      base = count(s);
      s.removeAllListeners();
      s.on('data', () => {});
      return s;
    });
    expect(count(socket)).toEqual(base);
    expect(base.error).toBeGreaterThan(0);
    // with no 'error' listener this would be an uncaught exception
    socket.emit('error', new Error('boom while idle'));
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO fresh')).toBe('fresh');
      return s;
    });
    expect(next).not.toBe(socket);
  });

  it('noDelay, keepAlive, the default write encoding and ref() a borrower changed are given back to the next borrower', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    // Node's own record of what it last set on the handle
    const setting = (s: Socket, name: string) => (s as unknown as Record<symbol, unknown>)[Object.getOwnPropertySymbols(s).find((sym) => sym.description === name)!];
    const socket = await p.use((s) => {
      expect([setting(s, 'kSetNoDelay'), setting(s, 'kSetKeepAlive')]).toEqual([true, true]);
      s.setNoDelay(false);
      s.setKeepAlive(false);
      s.setDefaultEncoding('hex');
      s.unref();
      return s;
    });
    const reply = await p.use(async (s) => {
      expect(s).toBe(socket);
      expect([setting(s, 'kSetNoDelay'), setting(s, 'kSetKeepAlive'), setting(s, 'kSetKeepAliveInitialDelay')]).toEqual([true, true, 60]);
      // ref'd again: the process cannot exit under this borrower's request
      expect((s as unknown as { _handle: { hasRef(): boolean } })._handle.hasRef()).toBe(true);
      // a string written without an encoding is UTF-8 again, not hex
      const got = new Promise<string>((resolve) => s.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      s.write('ECHO utf8 again\n');
      return got;
    });
    expect(reply).toBe('utf8 again\n');
  });

  it('output still queued at release is flushed before the socket is lent again', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    server.silent = true; // it reads the line and answers nothing
    const socket = await p.use((s) => {
      s.write(`NOP ${'y'.repeat(8 * 1024 * 1024)}\n`);
      expect(s.writableLength).toBeGreaterThan(0);
      return s;
    });
    const again = await p.use((s) => {
      expect(s.writableLength).toBe(0);
      return s;
    });
    expect(again).toBe(socket);
  });

  it('output that cannot be flushed (the peer stopped reading) within resetTimeoutMs: destroyed, never lent again', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity, resetTimeoutMs: 200 });
    const first = await p.use((s) => s);
    server.peerOf(first)!.pause();
    const socket = await p.use((s) => {
      s.write(Buffer.alloc(32 * 1024 * 1024, 0x79));
      return s;
    });
    await waitUntil(() => p.stats().totals.destroyed === 1, 'the unflushable socket to be destroyed', 3000);
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO fresh')).toBe('fresh');
      return s;
    });
    expect(next).not.toBe(socket);
  });

  it('a socket its borrower ended or destroyed is never lent again, and costs no pool error', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const poolErrors: unknown[] = [];
    p.on('error', (error) => poolErrors.push(error));
    const ended = await p.use((s) => {
      s.end();
      return s;
    });
    const destroyed = await p.use((s) => {
      expect(s).not.toBe(ended);
      s.destroy();
      return s;
    });
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO fresh')).toBe('fresh');
      return s;
    });
    expect(next).not.toBe(destroyed);
    await waitUntil(() => p.stats().totals.destroyed === 2, 'both closed sockets to be destroyed');
    expect(poolErrors).toEqual([]);
  });

  it('unread data at release: destroyed, never lent to the next borrower', async () => {
    const p = pool();
    const socket = await p.use(async (s) => {
      s.write('ECHO not-read\n');
      await waitUntil(() => s.readableLength > 0, 'the reply to be buffered');
      return s;
    });
    expect(socket.destroyed || p.stats().totals.destroyed === 1).toBe(true);
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO mine')).toBe('mine');
      return s;
    });
    expect(next).not.toBe(socket);
  });

  it('data the peer sends while the socket is idle makes it broken: the next borrower gets a fresh one', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const socket = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO first')).toBe('first');
      return s;
    });
    // sent once the socket is back in the pool (a server timer could fire before the release on a loaded machine)
    server.peerOf(socket)!.write('late\n');
    await waitUntil(() => socket.readableLength > 0, 'the unsolicited line to arrive');
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO clean')).toBe('clean');
      return s;
    });
    expect(next).not.toBe(socket);
  });

  it('a borrower that flowed data with on("data") leaves a socket the next borrower can read with on("data")', async () => {
    const p = pool();
    await p.use(async (s) => {
      const got = new Promise<string>((resolve) => s.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      s.write('ECHO one\n');
      expect(await got).toBe('one\n');
    });
    const again = await p.use(async (s) => {
      const got = new Promise<string>((resolve) => s.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      s.write('ECHO two\n');
      return got;
    });
    expect(again).toBe('two\n');
    expect(p.stats().totals.created).toBe(1);
  });

  it('a borrower that changed the encoding gets the socket destroyed on release', async () => {
    const p = pool();
    const socket = await p.use((s) => {
      s.setEncoding('utf8');
      return s;
    });
    const next = await p.use((s) => s);
    expect(next).not.toBe(socket);
    expect(p.stats().totals.destroyed).toBe(1);
  });

  it('default ping: checks socket state only, so a silent server still passes (documented)', async () => {
    const p = provider();
    const socket = await p.create({ signal: new AbortController().signal });
    server.silent = true;
    expect(await p.validate!(socket, { signal: new AbortController().signal, idleMs: 0 })).toBe(true);
    await p.destroy!(socket);
  });

  it('ping hook: a server that stops answering is detected within validateTimeoutMs and replaced', async () => {
    const p = pool({ ping: linePing }, { validateTimeoutMs: 200, max: 1 });
    const first = await p.use((s) => s);
    expect(p.stats().idle).toBe(1);
    server.silent = true;
    const started = performance.now();
    const lease = await p.acquire({ timeoutMs: 5000 });
    // the ping waited its 200 ms, then a new socket was lent, long before the acquire deadline
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(199);
    expect(elapsed).toBeLessThan(2500);
    // the old socket failed its ping (timed out) and was destroyed; a freshly connected one replaced it
    expect(first.destroyed).toBe(true);
    expect(lease.resource).not.toBe(first);
    expect(p.stats().totals.validationFailures).toBe(1);
    lease.release();
    server.silent = false;
    const next = await p.use(async (s) => {
      expect(await exchange(s, 'ECHO back')).toBe('back');
      return s;
    });
    expect(next).not.toBe(first);
  });

  it('a ping hook that leaves bytes unread fails the check', async () => {
    const p = provider({ ping: (socket) => exchange(socket, 'TWICE PONG').then((reply) => reply === 'PONG') });
    const socket = await p.create({ signal: new AbortController().signal });
    expect(await p.validate!(socket, { signal: new AbortController().signal, idleMs: 0 })).toBe(false);
    await p.destroy!(socket);
  });

  it('the user reset hook runs on release; false destroys', async () => {
    let calls = 0;
    const p = pool({ reset: () => ++calls < 2 });
    const a = await p.use((s) => s);
    const b = await p.use((s) => s);
    const c = await p.use((s) => s);
    expect(a).toBe(b);
    expect(c).not.toBe(b);
    expect(calls).toBe(3);
  });
});

describe('tcpProvider: connect failures', () => {
  it('refused: TCP_CONNECT_FAILED with the socket error as cause', async () => {
    const closed = await startLineServer();
    const port = closed.port;
    await closed.close();
    const p = tcpProvider({ host: '127.0.0.1', port });
    const error = await p.create({ signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_CONNECT_FAILED')).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(((error as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
  });

  it('abort during connect: TCP_ABORTED with the reason as cause, no socket left open', async () => {
    const { blackhole, close } = await silentTlsPeer();
    const p = tcpProvider({ host: '127.0.0.1', port: blackhole, tls: true });
    const controller = new AbortController();
    const creating = p.create({ signal: controller.signal });
    const reason = new Error('gave up');
    setTimeout(() => controller.abort(reason), 50);
    const error = await creating.catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
    await close();
  });

  it('a TLS handshake that never finishes: TCP_CONNECT_TIMEOUT after connectTimeoutMs', async () => {
    const { blackhole, close } = await silentTlsPeer();
    const p = tcpProvider({ host: '127.0.0.1', port: blackhole, tls: true, connectTimeoutMs: 150 });
    const started = performance.now();
    const error = await p.create({ signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(isTcpPoolError(error, 'TCP_CONNECT_TIMEOUT')).toBe(true);
    // not before connectTimeoutMs (Node's timers may fire up to 1 ms early by performance.now()); generous above
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(149);
    expect(elapsed).toBeLessThan(2000);
    await close();
  });
});

/** A TCP server that accepts and never says a word: a TLS client waits forever for the handshake. */
async function silentTlsPeer(): Promise<{ blackhole: number; close(): Promise<void> }> {
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    blackhole: (server.address() as import('node:net').AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
