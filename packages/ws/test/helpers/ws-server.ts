import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { SelfSigned } from '@pool/testkit';
import { WebSocketServer, type WebSocket } from 'ws';

/** An in-process `ws` server on 127.0.0.1:<random> for tests. */
export interface TestWsServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Server-side sockets currently open. */
  readonly clients: Set<WebSocket>;
  /** While false, the server answers no pings (autoPong is off; pongs are sent by hand). */
  answerPings: boolean;
  /** Handshake requests seen (headers included), for auth checks. */
  readonly requests: IncomingMessage[];
  /** Terminates every server-side socket. */
  terminateAll(): void;
  close(): Promise<void>;
}

/**
 * JSON messages `{ id, op, ... }` (a `rid` field is echoed too): `echo` replies `{ id, echo: value }`; `slow` replies after `ms`;
 * `binary` replies like `echo` in a binary frame; `close` makes the server close this connection; `push` replies, then sends `{ id: 'unsolicited' }`.
 * With `rejectWith`, every handshake is refused with that HTTP status. With `tls`, it is a `wss://`
 * server (an https server carrying the same protocol) with that certificate.
 */
export async function startWsServer(options: { rejectWith?: number; tls?: SelfSigned } = {}): Promise<TestWsServer> {
  const state = { answerPings: true };
  const requests: IncomingMessage[] = [];
  const secure = options.tls === undefined ? undefined : https.createServer({ key: options.tls.key, cert: options.tls.cert });
  secure?.on('tlsClientError', () => {});
  const wss = new WebSocketServer({
    ...(secure === undefined ? { host: '127.0.0.1', port: 0 } : { server: secure }),
    autoPong: false,
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number) => void) => {
      requests.push(info.req);
      if (options.rejectWith !== undefined) done(false, options.rejectWith);
      else done(true);
    },
  });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('ping', (data: Buffer) => {
      if (state.answerPings) ws.pong(data);
    });
    ws.on('message', (data: Buffer) => {
      let message: { id?: unknown; rid?: unknown; op?: string; value?: unknown; ms?: number };
      try {
        message = JSON.parse(data.toString());
      } catch {
        ws.send('not json');
        return;
      }
      const reply = () => ws.send(JSON.stringify({ id: message.id, ...(message.rid !== undefined ? { rid: message.rid } : {}), echo: message.value }));
      switch (message.op) {
        case 'echo': return reply();
        case 'slow': setTimeout(reply, message.ms ?? 100); return;
        case 'binary': ws.send(Buffer.from(JSON.stringify({ id: message.id, echo: message.value })), { binary: true }); return;
        case 'close': ws.close(4000, 'asked to'); return;
        case 'push': reply(); setTimeout(() => ws.send(JSON.stringify({ id: 'unsolicited' })), 20); return;
        default: ws.send(JSON.stringify({ id: message.id, error: 'unknown op' }));
      }
    });
  });
  if (secure === undefined) await new Promise<void>((resolve) => wss.once('listening', resolve));
  else await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  const port = (wss.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    url: `${secure === undefined ? 'ws' : 'wss'}://127.0.0.1:${port}`,
    clients: wss.clients,
    requests,
    get answerPings() {
      return state.answerPings;
    },
    set answerPings(value: boolean) {
      state.answerPings = value;
    },
    terminateAll() {
      for (const client of wss.clients) client.terminate();
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (secure !== undefined) await new Promise<void>((resolve) => secure.close(() => resolve()));
    },
  };
}
