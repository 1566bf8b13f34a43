import net from 'node:net';
import { createPool, isPoolError, type PoolOptions } from '@pool/core';
import { optionError, waitUntil } from '@pool/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { isWsPoolError, wsProvider, type WsProviderOptions } from '../src/index.js';
import { startWsServer, type TestWsServer } from './helpers/ws-server.js';

let server: TestWsServer;
const pools: { close(): Promise<void> }[] = [];
const never = new AbortController().signal;

beforeAll(async () => {
  server = await startWsServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
  server.answerPings = true;
});

function pool(extra: Partial<WsProviderOptions> = {}, options: PoolOptions = {}) {
  const p = createPool(wsProvider({ url: server.url, closeTimeoutMs: 200, ...extra }), { max: 1, validateAfterIdleMs: 0, validateTimeoutMs: 300, ...options });
  pools.push(p);
  return p;
}

function echo(ws: WebSocket, value: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ id: value, op: 'echo', value }), (error) => error && reject(error));
  });
}

describe('wsProvider', () => {
  it('creates an open socket, pings it, and closes it with a close frame', async () => {
    const p = wsProvider({ url: server.url, protocols: ['chat'] });
    const ws = await p.create({ signal: never });
    expect(ws.readyState).toBe(ws.OPEN);
    expect(ws.protocol).toBe('chat');
    expect(await p.validate!(ws, { signal: never, idleMs: 0 })).toBe(true);
    await p.destroy!(ws);
    expect(ws.readyState).toBe(ws.CLOSED);
    expect(p.isBroken!(ws)).toBe(true);
  });

  it('sends the configured headers on the handshake', async () => {
    const p = wsProvider({ url: server.url, headers: { 'x-tenant': 'acme' } });
    const ws = await p.create({ signal: never });
    expect(server.requests.at(-1)?.headers['x-tenant']).toBe('acme');
    await p.destroy!(ws);
  });

  it('row 25: a server that stops answering pings is detected within validateTimeoutMs and replaced', async () => {
    const p = pool({}, { validateTimeoutMs: 200 });
    const first = await p.use((ws) => ws);
    server.answerPings = false;
    const started = performance.now();
    const second = await p.use(async (ws) => ws, { timeoutMs: 5000 });
    // the ping waited its 200 ms, then a new socket was lent, long before the acquire deadline
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(199);
    expect(elapsed).toBeLessThan(2500);
    expect(second).not.toBe(first);
    expect(p.stats().totals.validationFailures).toBe(1);
    await waitUntil(() => first.readyState === first.CLOSED, 'the silent socket to be closed');
    server.answerPings = true;
    const third = await p.use(async (ws) => {
      expect(await echo(ws, 'alive')).toEqual({ id: 'alive', echo: 'alive' });
      return ws;
    });
    expect(third).toBe(second);
  });

  it('row 25: with keepaliveIntervalMs, an idle socket whose server stops answering pings is replaced in the background', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity, keepaliveIntervalMs: 100, validateTimeoutMs: 100, min: 1 });
    const errors: unknown[] = [];
    p.on('error', (error) => errors.push(error));
    await p.ready();
    const first = await p.use((ws) => ws);
    server.answerPings = false;
    await waitUntil(() => p.stats().totals.destroyed >= 1, 'the keepalive ping to fail', 3000);
    expect(first.readyState === first.CLOSING || first.readyState === first.CLOSED).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    server.answerPings = true;
    const next = await p.use((ws) => ws);
    expect(next).not.toBe(first);
  });

  it('row 25: a server that pauses the socket (reads nothing) is detected by the ping and replaced', async () => {
    const p = pool({}, { validateTimeoutMs: 200 });
    const first = await p.use((ws) => ws);
    for (const client of server.clients) client.pause();
    const second = await p.use(async (ws) => ws, { timeoutMs: 5000 });
    expect(second).not.toBe(first);
    expect(p.stats().totals.validationFailures).toBe(1);
  });

  it('row 25: a server that closes sockets: broken at once, replaced without an error', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const first = await p.use((ws) => ws);
    server.terminateAll();
    await waitUntil(() => first.readyState === first.CLOSED, 'the client to see the close');
    const second = await p.use(async (ws) => {
      expect(await echo(ws, 'fresh')).toEqual({ id: 'fresh', echo: 'fresh' });
      return ws;
    });
    expect(second).not.toBe(first);
    expect(p.stats().totals.destroyed).toBe(1);
  });

  it('row 25: a socket that errors (the server sends an invalid frame) is broken at once; replaced without an error to the caller', async () => {
    const hooks = wsProvider({ url: server.url, closeTimeoutMs: 200 });
    const p = createPool(hooks, { max: 1, validateAfterIdleMs: Infinity });
    pools.push(p);
    const poolErrors: unknown[] = [];
    p.on('error', (error) => poolErrors.push(error));
    const first = await p.use(async (ws) => {
      expect(await echo(ws, 'before')).toEqual({ id: 'before', echo: 'before' });
      return ws;
    });
    // the test's own recorder (added after release, so the pool does not remove it)
    const seen: unknown[] = [];
    first.on('error', (error) => seen.push(error));
    const localPort = (first as unknown as { _socket: net.Socket })._socket.localPort;
    await waitUntil(() => [...server.clients].some((peer) => (peer as unknown as { _socket: net.Socket })._socket.remotePort === localPort), 'the server to see the socket');
    const peer = [...server.clients].find((client) => (client as unknown as { _socket: net.Socket })._socket.remotePort === localPort)!;
    // opcode 0x3 is reserved: the client's parser fails with WS_ERR_INVALID_OPCODE
    (peer as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0x83, 0x00]));
    await waitUntil(() => seen.length > 0, 'the error to reach the client');
    expect((seen[0] as { code?: string }).code).toBe('WS_ERR_INVALID_OPCODE');
    expect(hooks.isBroken!(first)).toBe(true);
    const second = await p.use(async (ws) => {
      expect(await echo(ws, 'after')).toEqual({ id: 'after', echo: 'after' });
      return ws;
    });
    expect(second).not.toBe(first);
    expect(p.stats().totals.destroyed).toBe(1);
    expect(poolErrors).toEqual([]);
  });

  it('on release, listeners the borrower added are removed; the pool\'s own still see a close', async () => {
    const p = pool();
    let before: Record<string, number> = {};
    const count = (ws: WebSocket) => Object.fromEntries(['message', 'close', 'error', 'pong', 'ping'].map((e) => [e, ws.listenerCount(e)]));
    const ws = await p.use((w) => {
      before = count(w);
      w.on('message', () => {});
      w.once('close', () => {});
      w.on('error', () => {});
      w.on('pong', () => {});
      w.onmessage = () => {};
      return w;
    });
    expect(count(ws)).toEqual(before);
    server.terminateAll();
    await waitUntil(() => ws.readyState === ws.CLOSED, 'the close');
    const next = await p.use((w) => w);
    expect(next).not.toBe(ws);
  });

  it('a borrower who removed every listener (removeAllListeners()): the pool\'s own are put back, so an idle socket\'s error is handled and its close seen', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const count = (ws: WebSocket) => Object.fromEntries(['message', 'close', 'error'].map((e) => [e, ws.listenerCount(e)]));
    let before: Record<string, number> = {};
    const ws = await p.use((w) => {
      before = count(w);
      w.removeAllListeners();
      w.on('message', () => {});
      return w;
    });
    expect(count(ws)).toEqual(before);
    expect(before.error).toBeGreaterThan(0);
    // an invalid frame from the server while the socket is idle: an 'error' on the client socket
    const localPort = (ws as unknown as { _socket: net.Socket })._socket.localPort;
    const peerOf = () => [...server.clients].find((client) => (client as unknown as { _socket: net.Socket })._socket.remotePort === localPort);
    await waitUntil(() => peerOf() !== undefined, 'the server to see the socket');
    (peerOf() as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0x83, 0x00]));
    await waitUntil(() => ws.readyState === ws.CLOSED, 'the errored socket to close');
    const next = await p.use((w) => w);
    expect(next).not.toBe(ws);
  });

  it('binaryType set by a borrower is given back as \'nodebuffer\' to the next one', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const ws = await p.use((w) => {
      w.binaryType = 'arraybuffer';
      return w;
    });
    const [same, binaryType, reply] = await p.use(async (w) => [w, w.binaryType, await new Promise<unknown>((resolve) => {
      w.once('message', (data: unknown) => resolve(data));
      w.send(JSON.stringify({ id: 'b', op: 'binary', value: 'x' }));
    })] as const);
    expect(same).toBe(ws);
    expect(binaryType).toBe('nodebuffer');
    expect(Buffer.isBuffer(reply)).toBe(true);
  });

  it('documented: with raw use(), a reply to the last borrower that arrives after release reaches the next holder; lease.destroy() when giving up early prevents it', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const first = await p.use((w) => {
      // gives up without waiting for the reply (and without destroying the socket)
      w.send(JSON.stringify({ id: 'for-the-first-borrower', op: 'slow', ms: 200, value: 'late' }));
      return w;
    });
    const heard = await p.use((w) => {
      expect(w).toBe(first);
      return new Promise<unknown>((resolve) => w.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))));
    });
    expect(heard).toEqual({ id: 'for-the-first-borrower', echo: 'late' });
    // the safe way to give up early: destroy, so the reply has nobody to reach
    const lease = await p.acquire();
    lease.resource.send(JSON.stringify({ id: 'abandoned', op: 'slow', ms: 200, value: 'late' }));
    lease.destroy();
    const mine = await p.use(async (w) => {
      expect(w).not.toBe(lease.resource);
      return echo(w, 'mine');
    });
    expect(mine).toEqual({ id: 'mine', echo: 'mine' });
  });

  it('a socket its borrower closed (close() or terminate()) is never lent again, and costs no pool error', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const poolErrors: unknown[] = [];
    p.on('error', (error) => poolErrors.push(error));
    const closed = await p.use((w) => {
      w.close();
      return w;
    });
    const terminated = await p.use((w) => {
      expect(w).not.toBe(closed);
      w.terminate();
      return w;
    });
    const next = await p.use(async (w) => {
      expect(await echo(w, 'fresh')).toEqual({ id: 'fresh', echo: 'fresh' });
      return w;
    });
    expect(next).not.toBe(terminated);
    await waitUntil(() => p.stats().totals.destroyed === 2, 'both closed sockets to be destroyed');
    expect(poolErrors).toEqual([]);
  });

  it('a socket left paused by its borrower is destroyed on release', async () => {
    const p = pool();
    const ws = await p.use((w) => {
      w.pause();
      return w;
    });
    const next = await p.use((w) => w);
    expect(next).not.toBe(ws);
    expect(p.stats().totals.destroyed).toBe(1);
  });

  it('outgoing data still buffered at release is flushed before reuse', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity });
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const ws = await p.use((w) => {
      w.send(big);
      expect(w.bufferedAmount).toBeGreaterThan(0);
      return w;
    });
    const again = await p.use((w) => {
      expect(w.bufferedAmount).toBe(0);
      return w;
    });
    expect(again).toBe(ws);
  });

  it('outgoing data that cannot be flushed (the server stopped reading) within resetTimeoutMs: destroyed', async () => {
    const p = pool({}, { validateAfterIdleMs: Infinity, resetTimeoutMs: 200 });
    await p.use((w) => w);
    for (const client of server.clients) client.pause();
    const big = Buffer.alloc(32 * 1024 * 1024, 1);
    const ws = await p.use((w) => {
      w.send(big);
      return w;
    });
    await waitUntil(() => p.stats().totals.destroyed === 1, 'the unflushable socket to be destroyed', 3000);
    const next = await p.use((w) => w);
    expect(next).not.toBe(ws);
  });

  it('the user reset hook runs on release; false destroys', async () => {
    let calls = 0;
    const p = pool({ reset: () => ++calls < 2 });
    const a = await p.use((w) => w);
    await waitUntil(() => p.stats().idle === 1, 'the release');
    const b = await p.use((w) => w);
    await waitUntil(() => p.stats().totals.destroyed === 1, 'the destroy');
    const c = await p.use((w) => w);
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });
});

describe('wsProvider: connect failures', () => {
  it('refused: WS_CONNECT_FAILED with the socket error as cause', async () => {
    const gone = await startWsServer();
    const url = gone.url;
    await gone.close();
    const provider = wsProvider({ url });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(provider.classifyCreateError?.(error)).toBe('transient');
  });

  it('a handshake refused with 401: WS_CONNECT_FAILED saying so', async () => {
    const refusing = await startWsServer({ rejectWith: 401 });
    const provider = wsProvider({ url: refusing.url });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('401');
    // credentials refused: no retry fixes that, callers get it at once
    expect(provider.classifyCreateError?.(error)).toBe('permanent');
    await refusing.close();
  });

  it('a server that accepts none of the sub-protocols asked for: permanent, so a waiting caller gets it at once, after one handshake', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => false });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    let handshakes = 0;
    wss.on('headers', () => handshakes++);
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const provider = wsProvider({ url, protocols: ['v2'] });
    const error = await provider.create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('Server sent no subprotocol');
    expect(provider.classifyCreateError?.(error)).toBe('permanent');
    // through a pool: not retried until the caller's deadline (30 s here), refused with the cause at once
    const p = createPool(wsProvider({ url, protocols: ['v2'] }), { max: 1, acquireTimeoutMs: 30_000 });
    pools.push(p);
    const before = handshakes;
    const refused = await p.acquire().catch((e: unknown) => e);
    expect(isPoolError(refused, 'POOL_CREATE_FAILED')).toBe(true);
    expect((refused as { permanent?: boolean }).permanent).toBe(true);
    expect(isWsPoolError((refused as Error).cause, 'WS_CONNECT_FAILED')).toBe(true);
    expect(handshakes - before).toBe(1);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('a server that never answers the upgrade: WS_HANDSHAKE_TIMEOUT after handshakeTimeoutMs', async () => {
    const silent = await silentPeer();
    const started = performance.now();
    const error = await wsProvider({ url: `ws://127.0.0.1:${silent.port}`, handshakeTimeoutMs: 150 }).create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_HANDSHAKE_TIMEOUT')).toBe(true);
    // not before handshakeTimeoutMs (Node's timers may fire up to 1 ms early by performance.now()); generous above
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(149);
    expect(elapsed).toBeLessThan(2000);
    await waitUntil(() => silent.open() === 0, 'the half-open socket to be closed');
    await silent.close();
  });

  it('abort during the handshake: WS_ABORTED with the reason as cause, socket closed', async () => {
    const silent = await silentPeer();
    const controller = new AbortController();
    const reason = new Error('caller left');
    const creating = wsProvider({ url: `ws://127.0.0.1:${silent.port}` }).create({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    const error = await creating.catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
    await waitUntil(() => silent.open() === 0, 'the half-open socket to be closed');
    await silent.close();
  });

  it('through a pool: acquire fails with POOL_CREATE_FAILED by its deadline, cause kept', async () => {
    const refusing = await startWsServer({ rejectWith: 503 });
    const p = createPool(wsProvider({ url: refusing.url }), { failFast: false, retry: { minDelayMs: 20, maxDelayMs: 50 } });
    // long enough for a first handshake to fail on a loaded machine (else it is a plain POOL_TIMEOUT)
    const error = await p.acquire({ timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true);
    expect(isWsPoolError((error as Error).cause, 'WS_CONNECT_FAILED')).toBe(true);
    await p.close();
    await refusing.close();
  });

  it('rejects bad options with POOL_INVALID_OPTION naming the option, never echoing the URL', () => {
    const bad: [unknown, string][] = [
      [{ url: 'not a url with secret-token-123' }, 'url'],
      [{ url: 'http://127.0.0.1:1' }, 'url'],
      [{ url: 'ws://127.0.0.1:1', handshakeTimeoutMs: -1 }, 'handshakeTimeoutMs'],
      [{ url: 'ws://127.0.0.1:1', headers: { a: 1 } }, 'headers'],
      [{ url: 'ws://127.0.0.1:1', protocols: [1] }, 'protocols'],
      [{ url: 'ws://127.0.0.1:1', clientOptions: { headers: {} } }, 'clientOptions'],
      [{ url: 'ws://127.0.0.1:1', handshakeTimeout: 5 }, 'handshakeTimeout'],
      [JSON.parse('{"url": "ws://127.0.0.1:1", "__proto__": {"x": 1}}'), '__proto__'],
    ];
    for (const [options, option] of bad) {
      const error = optionError(() => wsProvider(options as never), JSON.stringify(options));
      expect(error.option).toBe(option);
      expect(error.message).not.toContain('secret-token-123');
    }
  });
});

/** A TCP server that accepts and never answers: a WebSocket handshake waits forever. */
async function silentPeer(): Promise<{ port: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume(); // read (and ignore) the upgrade request, so the client's close is seen
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}
