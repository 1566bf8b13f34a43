import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPool, type HttpPool } from '../src/index.js';
import { startServer, type TestServer } from './helpers/server.js';

// Issue 9: "max lifetime rotates clients so DNS changes are picked up". A name that resolves first to
// 127.0.0.1 and then to 127.0.0.2 (two real servers on the same port), through the `lookup` option
// that undici's connector hands to net.connect: the lookup a real resolver would answer.
describe('maxLifetimeMs and DNS changes', () => {
  let servers: TestServer[] = [];
  let pool: HttpPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
    pool = undefined;
  });

  const whoAnswers = (host: string) => (_req: unknown, res: import('node:http').ServerResponse) => void res.end(host);

  it('keeps using the old address on a live connection, and moves to the new one once the connection is rotated', async () => {
    const oldServer = await startServer(whoAnswers('old'));
    const newServer = await startServer(whoAnswers('new'), oldServer.port, '127.0.0.2');
    servers = [oldServer, newServer];
    let address = '127.0.0.1';
    const lookups: string[] = [];
    // what net.connect asks a resolver: one address, or all of them (autoSelectFamily)
    const lookup: LookupFunction = (hostname, options, callback) => {
      lookups.push(`${hostname} -> ${address}`);
      if (options.all) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, [{ address, family: 4 }]);
      else callback(null, address, 4);
    };
    pool = createHttpPool({
      origin: `http://api.pool.test:${oldServer.port}`,
      healthCheck: false,
      connect: { lookup },
      // long enough that the two first requests share one connection even on a loaded machine
      pool: { maxLifetimeMs: 1_000, maxLifetimeJitter: 0 },
    });
    const get = async () => (await request('http://api.pool.test/who', { dispatcher: pool })).body.text();

    expect(await get()).toBe('old');
    address = '127.0.0.2'; // the DNS record changes
    // the keep-alive connection still goes to the old address: this is why connections must rotate
    expect(await get()).toBe('old');
    expect(lookups).toEqual([`api.pool.test -> 127.0.0.1`]);

    // within one lifetime the connection is replaced; the new connect resolves the name again
    const answers: string[] = [];
    const deadline = Date.now() + 5_000;
    while (answers.at(-1) !== 'new') {
      if (Date.now() > deadline) throw new Error(`no request reached the new address within 5 s: ${answers.join(',')}`);
      answers.push(await get());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lookups).toEqual([`api.pool.test -> 127.0.0.1`, `api.pool.test -> 127.0.0.2`]);
    expect(oldServer.connections).toBe(1);
    expect(newServer.connections).toBe(1);
    // from then on every request goes to the new address
    for (let i = 0; i < 3; i++) expect(await get()).toBe('new');
    expect(pool.status()[0]?.pool.totals).toMatchObject({ created: 2, destroyed: 1 });
  });
});
