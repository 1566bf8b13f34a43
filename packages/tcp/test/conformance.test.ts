import type { Socket } from 'node:net';
import { runConformance, usePlainAndTlsServers, waitUntil } from '@pool/testkit';
import { exchange, tcpProvider } from '../src/index.js';
import { startLineServer } from './helpers/line-server.js';

// In-process servers on 127.0.0.1:0 (plain, and TLS with a certificate made now); the suite puts its
// fault proxy in front of them.
const { plain, secure, cert } = usePlainAndTlsServers((options) => startLineServer(options));

/** The protocol ping the suite needs: the default (socket state only) cannot see a blackholed peer. */
const ping = async (socket: Socket, ctx: { signal: AbortSignal }) => (await exchange(socket, 'PING', { signal: ctx.signal })) === 'PONG';

async function roundTrip(socket: Socket): Promise<void> {
  const reply = await exchange(socket, 'ECHO conformance', { timeoutMs: 2000 });
  if (reply !== 'conformance') throw new Error(`unexpected reply ${reply}`);
}

/** The server closes this connection (QUIT); resolves once the client has seen it. */
async function killServerSide(socket: Socket): Promise<void> {
  socket.write('QUIT\n');
  await waitUntil(() => socket.destroyed || socket.readableEnded, 'the server to close the socket', 2000);
}

runConformance({
  name: '@pool/tcp',
  provider: (target) => tcpProvider({ host: target.host, port: target.port, ping, connectTimeoutMs: 700 }),
  upstream: () => ({ host: plain().host, port: plain().port }),
  roundTrip,
  killServerSide,
});

runConformance({
  name: '@pool/tcp over TLS',
  // the proxy listens on 127.0.0.1, which the certificate names; verification stays on
  provider: (target) => tcpProvider({ host: target.host, port: target.port, tls: { ca: cert().cert }, ping, connectTimeoutMs: 700 }),
  upstream: () => ({ host: secure().host, port: secure().port }),
  roundTrip,
  killServerSide,
});
