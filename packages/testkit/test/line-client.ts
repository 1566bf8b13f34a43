import { connect, type Socket } from 'node:net';
import type { ResourceProvider } from '@pool/core';

/** A connection-level failure of a {@link LineClient}: the resource is unusable after it. */
export class LineConnectionError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineConnectionError';
    this.code = code;
  }
}

/** A client of the line server: one request at a time, replies matched in order. */
export class LineClient {
  /** The server's id for this connection (from its HELLO). */
  id = 0;
  closed = false;
  private buffered = '';
  private readonly pending: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.buffered += data.toString('utf8');
      for (let end = this.buffered.indexOf('\n'); end !== -1; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        this.pending.shift()?.resolve(line);
      }
    });
    const fail = (error: Error) => {
      this.closed = true;
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => fail(new LineConnectionError(error.code ?? 'ESOCKET', `line connection failed: ${error.message}`, { cause: error })));
    socket.on('close', () => fail(new LineConnectionError('ECLOSED', 'line connection closed')));
  }

  /** Sends one line, resolves with the reply line. Rejects on connection loss or when `signal` aborts. */
  request(line: string, signal?: AbortSignal): Promise<string> {
    const reply = this.nextLine(signal);
    if (!this.closed) this.socket.write(`${line}\n`);
    return reply;
  }

  /** Resolves with the next line the server sends (the greeting, or a reply). */
  nextLine(signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(new LineConnectionError('ECLOSED', 'line connection closed'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // the reply may still come: this connection is out of step from now on
        this.closed = true;
        this.socket.destroy();
        reject(new LineConnectionError('EABORTED', 'request aborted', { cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push({
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
    });
  }
}

/** Connects and waits for the greeting; honours `signal` (the pool's create timeout). */
export async function connectLine(target: { host: string; port: number }, signal: AbortSignal): Promise<LineClient> {
  const client = new LineClient(connect({ host: target.host, port: target.port }));
  const hello = await client.nextLine(signal);
  const match = /^HELLO (\d+)$/.exec(hello);
  if (match === null) {
    client.socket.destroy();
    throw new LineConnectionError('EPROTO', `unexpected greeting "${hello}"`);
  }
  client.id = Number(match[1]);
  return client;
}

/** The provider the testkit's own tests pool: connect, PING to validate, destroy the socket. */
export function lineProvider(target: { host: string; port: number }): ResourceProvider<LineClient> {
  return {
    create: ({ signal }) => connectLine(target, signal),
    async validate(client, { signal }) {
      return (await client.request('PING', signal)) === 'PONG';
    },
    destroy(client) {
      client.closed = true;
      client.socket.destroy();
    },
    isBroken: (client) => client.closed || client.socket.destroyed,
    isFatal: (error) => error instanceof LineConnectionError,
  };
}
