import { connect } from 'node:net';
import { startManagedServer, type PrivateServer } from './managed-server.js';
import { httpText, nodeScriptRecipe } from './node-script.js';

/** A `ws` WebSocket server in its own process (so it can be restarted, frozen with SIGSTOP, or crashed). */
export interface PrivateWsServer extends PrivateServer {
  readonly kind: 'ws';
}

/** A line-protocol TCP server in its own process (so it can be restarted, frozen with SIGSTOP, or crashed). */
export interface PrivateLineServer extends PrivateServer {
  readonly kind: 'line';
}

// JSON messages { id, op, value, ms }: 'echo' -> { id, echo: value }, 'slow' -> the same after ms.
// GET /__pid (plain HTTP) answers the pid, for the readiness probe. SIGTERM: every client gets a
// close frame 1001 (going away), then the process exits.
const WS_SERVER = `
const http = require('node:http');
const { WebSocketServer } = require(process.argv[2]);
const port = Number(process.argv[1]);
const server = http.createServer((req, res) => res.end(req.url === '/__pid' ? String(process.pid) : 'ok'));
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(String(data)); } catch { return void ws.send('not json'); }
    const reply = () => ws.send(JSON.stringify({ id: m.id, echo: m.value }));
    if (m.op === 'slow') setTimeout(reply, m.ms || 100); else reply();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.close(1001, 'restarting');
  server.close();
  setTimeout(() => process.exit(0), 50);
});
`;

// One command per line: PING -> PONG, ECHO <x> -> <x>, SLOW <ms> <x> -> <x> after ms, PID -> the pid.
// SIGTERM: stops listening, ends every connection (FIN), exits.
const LINE_SERVER = `
const net = require('node:net');
const port = Number(process.argv[1]);
const sockets = new Set();
const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk;
    for (let at = pending.indexOf('\\n'); at !== -1; at = pending.indexOf('\\n')) {
      const line = pending.slice(0, at).replace(/\\r$/, '');
      pending = pending.slice(at + 1);
      const [command, ...rest] = line.split(' ');
      const send = (text) => { if (!socket.destroyed) socket.write(text + '\\n'); };
      if (command === 'PING') send('PONG');
      else if (command === 'PID') send(String(process.pid));
      else if (command === 'ECHO') send(rest.join(' '));
      else if (command === 'SLOW') setTimeout(() => send(rest.slice(1).join(' ')), Number(rest[0]));
      else send('ERR unknown command');
    }
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  for (const socket of sockets) socket.end();
  setTimeout(() => process.exit(0), 50);
});
`;

function lineText(port: number, line: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => socket.destroy(new Error(`${line} timed out`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const at = reply.indexOf('\n');
      if (at === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply.slice(0, at));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Starts a `ws` WebSocket server process on a free loopback port. `wsModule` is the path of the
 * `ws` package to load (the adapter's own: `createRequire(import.meta.url).resolve('ws')`), since
 * testkit does not depend on `ws`. JSON `{ id, op: 'echo' | 'slow', value, ms }` is answered with
 * `{ id, echo: value }`; a clean stop (SIGTERM) sends every client a close frame 1001.
 */
export async function startPrivateWsServer({ wsModule }: { wsModule: string }): Promise<PrivateWsServer> {
  return startManagedServer(
    nodeScriptRecipe('ws', WS_SERVER, [wsModule], (port) => httpText(port, '/__pid'), (port) => `ws://127.0.0.1:${port}`),
    () => ({ kind: 'ws' as const }),
  );
}

/**
 * Starts a line-protocol TCP server process on a free loopback port: `PING` -> `PONG`,
 * `ECHO <x>` -> `<x>`, `SLOW <ms> <x>` -> `<x>` after ms. A clean stop (SIGTERM) ends every connection.
 */
export async function startPrivateLineServer(): Promise<PrivateLineServer> {
  return startManagedServer(
    nodeScriptRecipe('line', LINE_SERVER, [], (port) => lineText(port, 'PID'), (port) => `tcp://127.0.0.1:${port}`),
    () => ({ kind: 'line' as const }),
  );
}
