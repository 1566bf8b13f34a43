import { runConformance, usePlainAndTlsServers, waitUntil } from '@pool/testkit';
import type { WebSocket } from 'ws';
import { wsProvider } from '../src/index.js';
import { startWsServer } from './helpers/ws-server.js';

// In-process ws servers on 127.0.0.1:0 (plain, and wss with a certificate generated now); the suite
// puts its fault proxy in front of them.
const { plain, secure, cert } = usePlainAndTlsServers((options) => startWsServer(options));

/** One JSON request and its reply on the raw socket. */
function roundTrip(ws: WebSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const id = Math.random().toString(36).slice(2);
    const timer = setTimeout(() => done(new Error('no reply within 2000 ms')), 2000);
    const onMessage = (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: string; echo?: string };
      if (reply.id === id) done(reply.echo === 'conformance' ? undefined : new Error('wrong reply'));
    };
    const onClose = () => done(new Error('closed before the reply'));
    function done(error?: Error) {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (error) reject(error);
      else resolve();
    }
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.send(JSON.stringify({ id, op: 'echo', value: 'conformance' }), (error) => error && done(error));
  });
}

/** The server closes this connection ({ op: 'close' }); resolves once the client has seen it. */
async function killServerSide(ws: WebSocket): Promise<void> {
  ws.send(JSON.stringify({ op: 'close' }));
  await waitUntil(() => ws.readyState === ws.CLOSED, 'the server to close the WebSocket', 2000);
}

runConformance({
  name: '@pool/ws',
  provider: (target) => wsProvider({ url: `ws://${target.host}:${target.port}/`, handshakeTimeoutMs: 700, closeTimeoutMs: 300 }),
  upstream: () => ({ host: plain().host, port: plain().port }),
  roundTrip,
  killServerSide,
});

runConformance({
  name: '@pool/ws over TLS (wss)',
  // the proxy listens on 127.0.0.1, which the certificate names; verification stays on, with the CA given
  provider: (target) => wsProvider({ url: `wss://${target.host}:${target.port}/`, clientOptions: { ca: cert().cert }, handshakeTimeoutMs: 700, closeTimeoutMs: 300 }),
  upstream: () => ({ host: secure().host, port: secure().port }),
  roundTrip,
  killServerSide,
});
