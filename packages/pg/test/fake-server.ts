import { createServer, type Server, type Socket } from 'node:net';

/** A tiny in-process PostgreSQL look-alike that asks for a cleartext password and rejects it. */
export interface FakePgServer {
  host: string;
  port: number;
  /** Passwords the server received (to prove the canary really went over the wire). */
  received: string[];
  close(): Promise<void>;
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of Object.entries(fields)) parts.push(Buffer.from(code, 'latin1'), Buffer.from(`${value}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  return message('E', Buffer.concat(parts));
}

/**
 * Listens on 127.0.0.1:0. For each connection: reads the startup message, sends
 * AuthenticationCleartextPassword, reads the password, then sends an ErrorResponse 28P01 whose
 * message and detail **echo the password back** (the worst case for redaction) and closes.
 */
export async function startFakePgServer(): Promise<FakePgServer> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let phase: 'startup' | 'password' | 'done' = 'startup';
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (phase === 'startup' && buffer.length >= 4 && buffer.length >= buffer.readInt32BE(0)) {
        buffer = buffer.subarray(buffer.readInt32BE(0));
        phase = 'password';
        const auth = Buffer.alloc(4);
        auth.writeInt32BE(3, 0); // AuthenticationCleartextPassword
        socket.write(message('R', auth));
      }
      if (phase === 'password' && buffer.length >= 5 && buffer.length >= buffer.readInt32BE(1) + 1) {
        const length = buffer.readInt32BE(1);
        const password = buffer.subarray(5, 1 + length - 1).toString('utf8');
        received.push(password);
        phase = 'done';
        socket.end(
          errorResponse({
            S: 'FATAL',
            V: 'FATAL',
            C: '28P01',
            M: `password authentication failed for user "canary" (the server echoed: ${password})`,
            D: `Connection matched a test rule; password was ${encodeURIComponent(password)}`,
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    host: '127.0.0.1',
    port: address.port,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
