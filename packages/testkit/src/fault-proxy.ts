import { connect, createServer, type Server, type Socket } from 'node:net';
import { Forwarder } from './forwarder.js';

/** Where the proxy forwards to: a loopback address only. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /**
   * After this long the proxy closes itself, so a test that forgets `close()` cannot leave sockets
   * behind. The timer is unref'd. @default 600000 (10 minutes)
   */
  lifetimeMs?: number;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, with faults on command. Every fault applies
 * to connections already open and to new ones until it is lifted.
 */
export interface FaultProxy {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the proxy listens on (chosen by the OS). */
  readonly port: number;
  /** The server the proxy forwards to. */
  readonly target: Readonly<ProxyTarget>;
  /**
   * Delays every chunk from the server to the client by `ms`: each request/response round trip gains
   * `ms`. Applies to chunks already waiting too, so 0 removes the latency at once.
   */
  setLatency(ms: number): void;
  /**
   * `true` holds all data in both directions, like a network path that drops packets: connections
   * stay open, nothing arrives. New connections are accepted but carry nothing either. `false`
   * delivers what was held (as TCP retransmission would) and resumes forwarding.
   */
  blackhole(on: boolean): void;
  /** Resets every open connection (RST): clients see ECONNRESET. */
  resetAll(): void;
  /** Closes every open connection (FIN), as a server closing idle connections or restarting does. */
  closeAll(): void;
  /**
   * `true` stops listening, so new connects fail with ECONNREFUSED (a server that is down);
   * open connections are untouched. `false` listens again on the same port; await it before connecting.
   */
  refuse(on: boolean): Promise<void>;
  /** Lifts every fault: no latency, no blackhole, accepting connections. */
  heal(): Promise<void>;
  /** Client connections open right now. */
  connectionCount(): number;
  /** Client connections accepted since the proxy started. */
  acceptedCount(): number;
  /** Stops listening, destroys every socket, clears every timer. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** One proxied connection: the client's socket, the socket to the server, a forwarder each way. */
interface Link {
  client: Socket;
  upstream: Socket;
  up: Forwarder;
  down: Forwarder;
}

/**
 * Starts a fault proxy on 127.0.0.1 (a random port) that forwards to `target`, which must be a
 * loopback address. Nothing leaves the machine.
 *
 * ```ts
 * const proxy = await startFaultProxy({ host: '127.0.0.1', port: 5432 });
 * const client = new pg.Client({ host: proxy.host, port: proxy.port });
 * proxy.blackhole(true); // queries now hang until their timeout
 * await proxy.close();
 * ```
 */
export async function startFaultProxy(target: ProxyTarget, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  if (!LOOPBACK.has(target.host)) throw new Error(`fault proxy target must be a loopback address, got "${target.host}"`);
  if (!Number.isInteger(target.port) || target.port <= 0 || target.port > 65_535) throw new Error(`fault proxy target port must be 1-65535, got ${target.port}`);
  const links = new Set<Link>();
  let latencyMs = 0;
  let holding = false;
  let refusing = false;
  let closed = false;
  let accepted = 0;

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => {
    if (refusing || closed) {
      client.on('error', noop);
      client.resetAndDestroy();
      return;
    }
    accepted++;
    open(client);
  });
  server.on('error', noop); // listen errors are reported by listen() below

  function open(client: Socket): void {
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const up = new Forwarder(client, upstream);
    const down = new Forwarder(upstream, client);
    down.setDelay(latencyMs);
    const link: Link = { client, upstream, up, down };
    links.add(link);
    if (holding) {
      up.hold();
      down.hold();
    }
    // A reset or error on one side becomes a reset on the other; a clean close ends it.
    const mirror = (from: Socket, to: Socket) => {
      from.on('error', noop);
      from.on('close', (hadError) => {
        if (hadError && !to.destroyed) {
          up.discard();
          down.discard();
          to.resetAndDestroy();
        } else if (!to.destroyed && to.writableEnded && to.readableEnded) {
          to.destroy();
        }
        if (client.destroyed && upstream.destroyed) links.delete(link);
      });
    };
    mirror(client, upstream);
    mirror(upstream, client);
  }

  function listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(new Error(`fault proxy could not listen on 127.0.0.1:${port}: ${error.message}`, { cause: error }));
      server.once('error', onError);
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  }

  await listen(0);
  server.unref();
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address after listen');
  const port = address.port;

  const lifetime = setTimeout(() => void proxy.close(), options.lifetimeMs ?? 600_000);
  lifetime.unref();

  const proxy: FaultProxy = {
    host: '127.0.0.1',
    port,
    target: { host: target.host, port: target.port },
    setLatency(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a finite number >= 0, got ${ms}`);
      latencyMs = ms;
      for (const link of links) link.down.setDelay(ms);
    },
    blackhole(on) {
      holding = on;
      for (const link of links) {
        if (on) {
          link.up.hold();
          link.down.hold();
        } else {
          link.up.release();
          link.down.release();
        }
      }
    },
    resetAll() {
      for (const link of [...links]) {
        link.up.discard();
        link.down.discard();
        link.client.resetAndDestroy();
        link.upstream.resetAndDestroy();
      }
    },
    closeAll() {
      for (const link of [...links]) {
        link.up.discard();
        link.down.discard();
        link.client.destroy();
        link.upstream.destroy();
      }
    },
    async refuse(on) {
      if (closed || on === refusing) return;
      refusing = on;
      if (on) {
        server.close();
      } else {
        await listen(port);
        server.unref();
      }
    },
    async heal() {
      proxy.setLatency(0);
      proxy.blackhole(false);
      await proxy.refuse(false);
    },
    connectionCount() {
      return links.size;
    },
    acceptedCount() {
      return accepted;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(lifetime);
      for (const link of links) {
        link.up.discard();
        link.down.discard();
        link.client.destroy();
        link.upstream.destroy();
      }
      links.clear();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

function noop(): void {}
