import net from 'node:net';
import tls from 'node:tls';
import type { SelfSigned } from '@pool/testkit';

/** An in-process line server on 127.0.0.1:<random> for tests. */
export interface LineServer {
  readonly host: string;
  readonly port: number;
  /** Server-side sockets currently open. */
  readonly sockets: Set<net.Socket>;
  /** Connections accepted so far. */
  accepted(): number;
  /**
   * The server side of a client socket (matched by port), once the server has accepted it. Use it
   * rather than `sockets`, which may still hold sockets of earlier tests whose 'close' is pending.
   */
  peerOf(client: net.Socket): net.Socket | undefined;
  /** While true, the server reads requests but answers none. */
  silent: boolean;
  /** Destroys every server-side socket. */
  closeAll(): void;
  close(): Promise<void>;
}

/**
 * Commands, one per line: `PING` → `PONG`; `ECHO <x>` → `<x>`; `SLOW <ms> <x>` → `<x>` after ms;
 * `TWICE <x>` → `<x>` twice (a protocol violation: bytes after the reply); `BIG <n>` → n × 'x';
 * `QUIT` → the server closes the socket.
 * With `lengthPrefixed`, requests and replies are 4-byte-length frames and the body is echoed.
 */
export async function startLineServer(options: { tls?: SelfSigned; lengthPrefixed?: boolean } = {}): Promise<LineServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const state = { silent: false };
  const onSocket = (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.lengthPrefixed) handleFrames(socket, state);
    else handleLines(socket, state);
  };
  const server = options.tls
    ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onSocket)
    : net.createServer(onSocket);
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    sockets,
    accepted: () => accepted,
    peerOf(client) {
      // the newest match: a port can only repeat after its earlier connection closed
      let peer: net.Socket | undefined;
      for (const socket of sockets) if (socket.remotePort === client.localPort) peer = socket;
      return peer;
    },
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    closeAll() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleLines(socket: net.Socket, state: { silent: boolean }): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    for (let at = pending.indexOf('\n'); at !== -1; at = pending.indexOf('\n')) {
      const line = pending.slice(0, at).replace(/\r$/, '');
      pending = pending.slice(at + 1);
      if (!state.silent) answer(socket, line);
    }
  });
}

function answer(socket: net.Socket, line: string): void {
  const [command, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  const send = (text: string) => {
    if (!socket.destroyed) socket.write(`${text}\n`);
  };
  switch (command) {
    case 'PING': return send('PONG');
    case 'ECHO': return send(arg);
    case 'SLOW': {
      const [ms, ...text] = rest;
      setTimeout(() => send(text.join(' ')), Number(ms));
      return;
    }
    case 'TWICE': return send(`${arg}\n${arg}`);
    case 'BIG': return send('x'.repeat(Number(arg)));
    case 'QUIT': socket.destroy(); return;
    default: return send(`ERR unknown command ${command ?? ''}`);
  }
}

function handleFrames(socket: net.Socket, state: { silent: boolean }): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (buffered.length < 4 + length) return;
      const body = buffered.subarray(4, 4 + length);
      buffered = buffered.subarray(4 + length);
      if (state.silent) continue;
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length, 0);
      socket.write(Buffer.concat([header, body]));
    }
  });
}
