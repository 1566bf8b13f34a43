import { runConformance } from '@pool/testkit';
import { afterAll, beforeAll } from 'vitest';
import { httpProvider } from '../src/index.js';
import { defaultHandler, startServer, until, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res, count) => {
    // the test server closing the socket a request arrived on: the "server-side kill" of HTTP
    if (req.url === '/kill') req.socket.destroy();
    else defaultHandler(req, res, count);
  });
});
afterAll(async () => {
  await server.close();
});

runConformance({
  name: '@pool/http',
  provider: (target) => httpProvider({ origin: `http://${target.host}:${target.port}` }),
  upstream: () => ({ host: '127.0.0.1', port: server.port }),
  roundTrip: async (connection) => {
    const res = await connection.client.request({ method: 'GET', path: '/ping' });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  },
  killServerSide: async (connection) => {
    await connection.client.request({ method: 'GET', path: '/kill' }).then((res) => res.body.dump(), () => undefined);
    await until(() => connection.broken, 2_000, 'the killed connection to be seen as broken');
  },
});
