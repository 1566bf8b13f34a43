import { afterAll, beforeAll } from 'vitest';
import { runConformance } from '../src/index.js';
import { lineProvider } from './line-client.js';
import { startLineServer, type LineServer } from './line-server.js';

// The suite adapters run, run here against an in-process line server: proves the suite itself.
let server: LineServer;
beforeAll(async () => {
  server = await startLineServer();
});
afterAll(async () => {
  await server.close();
});

runConformance({
  name: 'in-process line server',
  provider: lineProvider,
  upstream: () => ({ host: server.host, port: server.port }),
  roundTrip: async (client) => {
    const reply = await client.request('ECHO conformance');
    if (reply !== 'conformance') throw new Error(`unexpected reply "${reply}"`);
  },
  killServerSide: async (client) => {
    server.kill(client.id);
  },
});
