import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';

/**
 * A TLS server that speaks just enough HTTP/2 to open a session (ALPN h2, the client preface read,
 * SETTINGS sent and acknowledged) and then ignores every frame: no PING ACK, no response. A peer
 * that has stopped answering, which node:http2 cannot play (it acknowledges PINGs itself).
 */
export interface SilentH2Server {
  readonly origin: string;
  /** PING frames received (none is ever acknowledged). */
  pings: number;
  /** Request HEADERS frames received (none is ever answered). */
  requests: number;
  close(): Promise<void>;
}

const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
const PREFACE_LENGTH = 24;

export async function startSilentH2Server(tls: { key: string; cert: string }): Promise<SilentH2Server> {
  const sockets = new Set<Socket>();
  const state = { origin: '', pings: 0, requests: 0 } as SilentH2Server;
  const server: Server = createServer({ ...tls, ALPNProtocols: ['h2'] }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let prefaceRead = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!prefaceRead) {
        if (pending.length < PREFACE_LENGTH) return;
        pending = pending.subarray(PREFACE_LENGTH);
        prefaceRead = true;
        socket.write(SETTINGS);
      }
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) return;
        const [type, flags] = [pending[3], pending[4] as number];
        if (type === 0x4 && (flags & 0x1) === 0) socket.write(SETTINGS_ACK);
        if (type === 0x6) state.pings++;
        if (type === 0x1) state.requests++;
        pending = pending.subarray(9 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (state as { origin: string }).origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
