import { fileURLToPath } from 'node:url';
import { runShutdownExit, startPrivateLineServer } from '@pool/testkit';

// Shutdown during an outage (reliability rows 17, 30, 40), run by testkit on the built package in a
// child process: what is tcp's own is the pool and its line payloads.

runShutdownExit({
  name: '@pool/tcp',
  dist: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  start: () => startPrivateLineServer(),
  createPool: (distUrl, server) => `
    import { createTcpPool } from ${JSON.stringify(distUrl)};
    const pool = createTcpPool({ host: '127.0.0.1', port: ${String(server.port)}, pool: { max: 2 } });
  `,
  echo: (n) => `'ECHO ' + ${n}`,
  slow20: (n) => `'SLOW 20 ' + ${n}`,
});
