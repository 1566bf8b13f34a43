import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { startServer, type TestServer } from './helpers/server.js';

// Node's global fetch is the undici bundled with Node (6.x on Node 20, 7.x on Node 24); it drives a
// dispatcher with the legacy handler (onConnect/onHeaders/onData/onComplete/onError), which HttpPool serves.
describe(`global fetch of Node ${process.version} (bundled undici ${process.versions.undici ?? 'unknown'})`, () => {
  let server: TestServer;
  let pool: HttpPool;
  beforeAll(async () => {
    server = await startServer();
    pool = createHttpPool({ origin: server.origin });
  });
  afterAll(async () => {
    await pool.close();
    await server.close();
  });

  it('sends GET and POST through the pooled dispatcher', async () => {
    // the global RequestInit types `dispatcher` with undici-types 6, a different class from undici 7: cast
    const init = { dispatcher: pool } as unknown as RequestInit;
    const got = await fetch(`${server.origin}/global`, init);
    expect(await got.json()).toMatchObject({ path: '/global' });
    const posted = await fetch(`${server.origin}/global-post`, { ...init, method: 'POST', body: 'x=1' });
    expect(await posted.json()).toMatchObject({ method: 'POST', body: 'x=1' });
    expect(pool.status()[0]?.pool.totals.acquired).toBeGreaterThanOrEqual(2);
  });
});
