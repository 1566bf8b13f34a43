import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runShutdownExit, startPrivateWsServer } from '@pool/testkit';

// Shutdown during an outage (reliability rows 17, 30, 40), run by testkit on the built package in a
// child process: what is ws's own is the pool and its JSON messages.

runShutdownExit({
  name: '@pool/ws',
  dist: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  start: () => startPrivateWsServer({ wsModule: createRequire(import.meta.url).resolve('ws') }),
  createPool: (distUrl, server) => `
    import { createWsPool } from ${JSON.stringify(distUrl)};
    const pool = createWsPool({ url: ${JSON.stringify(server.url)}, pool: { max: 2 } });
  `,
  echo: (n) => `{ op: 'echo', value: ${n} }`,
  slow20: (n) => `{ op: 'slow', ms: 20, value: ${n} }`,
});
