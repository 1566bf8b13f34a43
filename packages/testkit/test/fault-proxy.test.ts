import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../src/index.js';
import { startEchoServer, type EchoServer } from './echo-server.js';
import { connectTo, roundTrip, waitFor } from './socket-helpers.js';

describe('startFaultProxy', () => {
  let echo: EchoServer;
  let proxy: FaultProxy;
  const clients: Socket[] = [];

  async function client(): Promise<Socket> {
    const socket = await connectTo(proxy.port);
    socket.on('error', () => {});
    clients.push(socket);
    return socket;
  }

  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.close();
  });
  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    await proxy?.close();
  });

  it('forwards both ways on 127.0.0.1 and counts connections', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).toBeGreaterThan(0);
    const a = await client();
    const b = await client();
    expect(await roundTrip(a, 'hello')).toBe('hello');
    expect(await roundTrip(b, 'world')).toBe('world');
    expect(proxy.connectionCount()).toBe(2);
    expect(proxy.acceptedCount()).toBe(2);
    a.end();
    await waitFor(() => proxy.connectionCount() === 1, 'the closed connection to leave the proxy');
  });

  it('forwards a large payload intact, in order', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    proxy.setLatency(5);
    const socket = await client();
    const payload = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    expect(await roundTrip(socket, payload, 10_000)).toBe(payload);
  });

  it('setLatency adds the delay to each round trip, and 0 removes it', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const socket = await client();
    await roundTrip(socket, 'warm');
    const latencyMs = 500;
    proxy.setLatency(latencyMs);
    let started = performance.now();
    await roundTrip(socket, 'slow');
    const slow = performance.now() - started;
    // never early; added once, not once per direction (the slack up to 2x is for a loaded machine)
    expect(slow).toBeGreaterThanOrEqual(latencyMs);
    expect(slow).toBeLessThan(2 * latencyMs);
    proxy.setLatency(0);
    started = performance.now();
    await roundTrip(socket, 'fast');
    // a latency so large that a loopback round trip on a loaded machine stays well under it
    expect(performance.now() - started).toBeLessThan(latencyMs);
  });

  it('blackhole makes a read time out without closing the connection; lifting it delivers the held data', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const socket = await client();
    await roundTrip(socket, 'before');
    proxy.blackhole(true);
    await expect(roundTrip(socket, 'lost?', 200)).rejects.toThrow(/timed out after 200 ms/);
    expect(socket.destroyed).toBe(false);
    expect(proxy.connectionCount()).toBe(1);
    // new connections are accepted but carry nothing either
    const late = await client();
    await expect(roundTrip(late, 'x', 150)).rejects.toThrow(/timed out/);
    let received = '';
    let lateReceived = '';
    socket.on('data', (data: Buffer) => (received += data.toString('utf8')));
    late.on('data', (data: Buffer) => (lateReceived += data.toString('utf8')));
    proxy.blackhole(false);
    socket.write('after');
    late.write('y');
    // the held bytes arrive late, as after a healed partition: a reused connection would read them
    await waitFor(() => received === 'lost?after', 'the held bytes, then the new ones');
    await waitFor(() => lateReceived === 'xy', 'the late connection to carry data again');
  });

  it('resetAll gives ECONNRESET to every client', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const a = await client();
    const b = await client();
    await roundTrip(a, 'a');
    await roundTrip(b, 'b');
    const errors = [a, b].map((socket) => new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve)));
    proxy.resetAll();
    const [ea, eb] = await Promise.all(errors);
    expect(ea!.code).toBe('ECONNRESET');
    expect(eb!.code).toBe('ECONNRESET');
    await waitFor(() => proxy.connectionCount() === 0 && echo.sockets.size === 0, 'both sides to close');
  });

  it('closeAll ends every connection cleanly (FIN) on both sides', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const socket = await client();
    await roundTrip(socket, 'x');
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    proxy.closeAll();
    await ended;
    await waitFor(() => proxy.connectionCount() === 0 && echo.sockets.size === 0, 'both sides to close');
  });

  it('refuse(true) makes connects fail with ECONNREFUSED, keeps open connections; heal restores', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const open = await client();
    await proxy.refuse(true);
    await expect(connectTo(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await roundTrip(open, 'still')).toBe('still');
    await proxy.heal();
    const again = await client();
    expect(await roundTrip(again, 'back')).toBe('back');
  });

  it('heal lifts latency and blackhole together', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const socket = await client();
    const latencyMs = 3000; // lifted at once, so it costs nothing; a loaded machine stays far below it
    proxy.setLatency(latencyMs);
    proxy.blackhole(true);
    await proxy.heal();
    const started = performance.now();
    expect(await roundTrip(socket, 'ok')).toBe('ok');
    expect(performance.now() - started).toBeLessThan(latencyMs);
  });

  it('an upstream that is down gives the client a reset, not a hang', async () => {
    const gone = await startEchoServer();
    const port = gone.port;
    await gone.close();
    proxy = await startFaultProxy({ host: '127.0.0.1', port });
    const socket = await client();
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('ECONNRESET');
    await waitFor(() => proxy.connectionCount() === 0, 'the failed link to be dropped');
  });

  it('close() destroys every socket on both sides and stops listening', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
    const sockets = await Promise.all([client(), client(), client()]);
    await Promise.all(sockets.map((socket, i) => roundTrip(socket, `s${i}`)));
    proxy.blackhole(true);
    void roundTrip(sockets[0]!, 'held', 100).catch(() => {});
    await proxy.close();
    await proxy.close(); // idempotent
    expect(proxy.connectionCount()).toBe(0);
    await waitFor(() => sockets.every((socket) => socket.destroyed) && echo.sockets.size === 0, 'every socket to close');
    await expect(connectTo(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('is bounded in time: after lifetimeMs it closes itself, its sockets and its port', async () => {
    proxy = await startFaultProxy({ host: echo.host, port: echo.port }, { lifetimeMs: 300 });
    const sockets = await Promise.all([client(), client()]);
    expect(await roundTrip(sockets[0]!, 'alive')).toBe('alive');
    proxy.blackhole(true); // even with data held, nothing outlives the proxy
    void roundTrip(sockets[1]!, 'held', 2000).catch(() => {});
    await waitFor(() => sockets.every((socket) => socket.destroyed) && echo.sockets.size === 0, 'the proxy to close itself and every socket');
    expect(proxy.connectionCount()).toBe(0);
    await expect(connectTo(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  for (const fault of ['blackhole', 'latency'] as const) {
    it(`memory stays bounded under ${fault}: the proxy stops reading (backpressure reaches the sender), and every byte arrives intact once healed`, async () => {
      proxy = await startFaultProxy({ host: echo.host, port: echo.port });
      const socket = await client();
      await roundTrip(socket, 'warm');
      if (fault === 'blackhole') proxy.blackhole(true);
      else proxy.setLatency(60_000); // replies queue in the proxy: past 1 MiB it must stop reading
      const total = 64 * 1024 * 1024;
      const sender = new Sender(socket, total);
      const receiver = new Receiver(socket);
      // without a bound the proxy would swallow all 64 MiB into its own memory; with it, the sender
      // stalls after what the proxy (1 MiB) and the kernel's loopback buffers hold
      const stalledAt = await sender.untilStalled(500);
      expect(stalledAt).toBeLessThan(total / 2);
      if (fault === 'blackhole') expect(receiver.bytes).toBe(0);
      if (fault === 'blackhole') proxy.blackhole(false);
      else proxy.setLatency(0);
      await sender.finished(20_000);
      await waitFor(() => receiver.bytes >= total, 'the whole payload to come back through the healed proxy', 20_000);
      expect(receiver.bytes).toBe(total);
      expect(receiver.mismatchAt).toBe(-1);
    }, 60_000);
  }

  it('refuses a target that is not a loopback address', async () => {
    await expect(startFaultProxy({ host: '10.0.0.1', port: 5432 })).rejects.toThrow(/loopback/);
    proxy = await startFaultProxy({ host: echo.host, port: echo.port });
  });
});

/** The byte at `offset` of the test stream (a pattern that catches reordering, loss and duplication). */
function byteAt(offset: number): number {
  return (offset * 7 + (offset >>> 16)) & 0xff;
}

/** Writes `total` pattern bytes in 64 KiB chunks, honouring backpressure; `flushed` counts bytes the kernel took. */
class Sender {
  flushed = 0;
  private written = 0;
  private done: Promise<void>;

  constructor(private readonly socket: Socket, private readonly total: number) {
    this.done = this.pump();
  }

  private async pump(): Promise<void> {
    const chunkSize = 64 * 1024;
    while (this.written < this.total && !this.socket.destroyed) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, this.total - this.written));
      for (let i = 0; i < chunk.length; i++) chunk[i] = byteAt(this.written + i);
      this.written += chunk.length;
      const ok = this.socket.write(chunk, () => (this.flushed += chunk.length));
      if (!ok) await new Promise((resolve) => this.socket.once('drain', resolve));
    }
  }

  /** Resolves with `flushed` once it has not grown for `quietMs` (the receiver stopped reading). */
  async untilStalled(quietMs: number): Promise<number> {
    let last = -1;
    let since = performance.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (this.flushed !== last) {
        last = this.flushed;
        since = performance.now();
      } else if (performance.now() - since >= quietMs) {
        return last;
      }
      if (this.flushed >= this.total) return this.flushed;
    }
  }

  async finished(timeoutMs: number): Promise<void> {
    await Promise.race([this.done, new Promise((_, reject) => setTimeout(() => reject(new Error('sender did not finish')), timeoutMs))]);
  }
}

/** Counts and checks the pattern bytes coming back. */
class Receiver {
  bytes = 0;
  mismatchAt = -1;

  constructor(socket: Socket) {
    socket.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i++) {
        if (this.mismatchAt === -1 && data[i] !== byteAt(this.bytes + i)) this.mismatchAt = this.bytes + i;
      }
      this.bytes += data.length;
    });
  }
}
