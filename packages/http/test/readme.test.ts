import { runReadmeExample } from '@pool/testkit';
import { expect, it } from 'vitest';
import { startServer } from './helpers/server.js';

// Runs the README's example as written (its import pointed at this package's sources).
it('the README example runs against its three local backends and prints what it says', async () => {
  const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/http');
  // console.log(a, b) records its first argument: the statuses, then the origins
  expect(printed.slice(0, 2)).toEqual([200, 200]);
  expect(printed[2]).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)]);
});

it('the README\'s provider example (a pool of your own, with the provider\'s createTimeoutMs) runs and prints the body', async () => {
  const server = await startServer((req, res) => res.end(`status of ${req.url ?? ''}`));
  try {
    const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/http', { marker: 'provider', replace: { "'http://127.0.0.1:8080'": `'${server.origin}'` } });
    expect(printed).toEqual(['status of /status']);
  } finally {
    await server.close();
  }
});
