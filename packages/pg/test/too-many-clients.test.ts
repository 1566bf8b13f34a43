// A full server (max_connections reached, 53300). Before the pool's first connection, the caller gets
// the server's error at once, as from pg.Pool. Once connected, a caller waits within its deadline
// while @pool/core paces the connects (53300 is 'busy': before, one every 25 ms), and is served once
// a slot frees.
import { requirePrivateServer, startPrivatePostgres, type PrivatePostgres } from '@pool/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../src/index.js';

const check = requirePrivateServer('postgres');

describe.skipIf(!check.available)('a private PostgreSQL with no connection slot left (53300)', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres({ settings: { max_connections: '3', superuser_reserved_connections: '0' } });
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('once connected, a caller waits through it with paced connects (about one a second, not 40) and is served once a client leaves', async () => {
    const pool = createPgPool({ connectionString: server.url, max: 2, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined);
    const held = await pool.connect(); // one slot of three is the pool's
    const hogs = await Promise.all([1, 2].map(async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      return client;
    }));
    try {
      const call = pool.query('SELECT 1 AS one');
      call.catch(() => undefined); // awaited below
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // refused logins while the caller waited: paced 100, 200, 400, 800, 1000 ms apart: about 6; every 25 ms would be ~100
      const refused = pool.core.stats().totals.createErrors;
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThanOrEqual(12);
      await hogs.pop()!.end();
      const started = performance.now();
      expect((await call).rows).toEqual([{ one: 1 }]);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      held.release();
      await pool.end();
      await Promise.all(hogs.map((client) => client.end()));
    }
  }, 30_000);

  it("before the first connection, the caller gets the server's own 53300 error at once, as from pg.Pool", async () => {
    const hogs = await Promise.all([1, 2, 3].map(async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      return client;
    }));
    const pool = createPgPool({ connectionString: server.url, max: 1, connectionTimeoutMillis: 600 });
    pool.on('error', () => undefined);
    try {
      const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
      const theirs = await new pg.Pool({ connectionString: server.url, max: 1 }).query('SELECT 1').catch((caught: unknown) => caught);
      expect((theirs as { code?: string }).code).toBe('53300');
      expect(error).toMatchObject({ code: '53300', message: (theirs as Error).message });
    } finally {
      await pool.end();
      await Promise.all(hogs.map((client) => client.end()));
    }
  }, 30_000);
  it('before the first connection, with one slot left: pg.Pool serves the caller whose connect got it, and so do we (the others get 53300 at once, or are served on that connection)', async () => {
    const hogs = await Promise.all([1, 2].map(async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      return client;
    }));
    const outcomes = async (pool: { query(sql: string): Promise<unknown>; end(): Promise<void> }): Promise<unknown[]> => {
      try {
        return await Promise.all([1, 2, 3].map(() => pool.query('SELECT 1 AS one').catch((caught: unknown) => caught)));
      } finally {
        await pool.end();
      }
    };
    const failed = (all: unknown[]) => all.filter((o) => o instanceof Error) as (Error & { code?: string })[];
    try {
      const theirs = await outcomes(new pg.Pool({ connectionString: server.url, max: 3 }));
      const ours = await outcomes(createPgPool({ connectionString: server.url, max: 3, connectionTimeoutMillis: 5_000 }));
      expect(failed(theirs).length).toBeLessThan(3);
      expect(failed(ours).length).toBeLessThan(3); // before: the first 53300 rejected all three
      for (const error of [...failed(theirs), ...failed(ours)]) expect(error.code).toBe('53300');
    } finally {
      await Promise.all(hogs.map((client) => client.end()));
    }
  }, 30_000);
});
