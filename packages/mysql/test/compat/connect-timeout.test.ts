// A connect that gets no answer (a frozen private MariaDB: the kernel accepts, the server never greets):
// mysql2's pool fails the caller with the driver's ETIMEDOUT after `connectTimeout` (10 s by default).
// With the frozen-server watchdog off (`livenessCheckAfterMs: 0`) ours must give the same error, not its own
// create deadline racing mysql2's at the same 10 s; with it on (the default) a one-shot query and
// getConnection() alike fail sooner, with POOL_SERVER_UNRESPONSIVE (a README difference).
import { requirePrivateServer, startPrivateMariadb, type PrivateMariadb } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool } from '../../src/index.js';
import { contenders, shape } from './harness.js';

const check = requirePrivateServer('mariadb');

describe.skipIf(!check.available)('a server that never answers the connect', () => {
  let server: PrivateMariadb;
  beforeAll(async () => {
    server = await startPrivateMariadb();
  }, 60_000);
  afterAll(async () => {
    if (server?.frozen) server.thaw();
    await server?.dispose();
  });

  it('getConnection() with the default connectTimeout fails with mysql2\'s ETIMEDOUT, as mysql2\'s pool does, at about the same time when the watchdog is off (difference, with it on: getConnection() and a one-shot query fail sooner, POOL_SERVER_UNRESPONSIVE)', async () => {
    const options = { host: server.host, port: server.port, user: 'root', database: 'test', connectionLimit: 2 };
    server.freeze();
    try {
      // all at once: each waits out the same 10 s connectTimeout, or the watchdog's 3 s + 2 s
      const run = async (pool: ReturnType<typeof contenders[0]['promisePool']>) => {
        const started = performance.now();
        // a one-shot query beside it, on the same frozen server
        const [error, query] = await Promise.all([
          pool.getConnection().then((conn) => conn.release(), (e: unknown) => e),
          pool.query('SELECT 1').then(() => undefined, (e: unknown) => ({ error: shape(e), ms: performance.now() - started })),
        ]);
        const ms = performance.now() - started;
        return { pool, error: shape(error), ms, query: query! };
      };
      const ourPool = (extra: object) => createMysqlPool({ ...options, ...extra }) as unknown as ReturnType<typeof contenders[0]['promisePool']>;
      const outcomes = await Promise.all([run(contenders[0]!.promisePool(options)), run(ourPool({ livenessCheckAfterMs: 0 })), run(ourPool({}))]);
      const [mysql2, unwatched, ours] = outcomes;
      expect(mysql2.error).toMatchObject({ class: 'Error', code: 'ETIMEDOUT', fatal: true });
      expect(unwatched.error).toEqual(mysql2.error);
      expect(unwatched.ms).toBeLessThan(mysql2.ms + 3000);
      expect(unwatched.query.error).toEqual(mysql2.query.error);
      // difference: getConnection() and the one-shot query are caught by the frozen-server watchdog (livenessCheckAfterMs
      // 3 s, then a ping over a fresh connection within 2 s): POOL_SERVER_UNRESPONSIVE at about 5 s; mysql2's get ETIMEDOUT at 10 s
      expect(mysql2.query.error).toMatchObject({ code: 'ETIMEDOUT' });
      expect(ours.error).toMatchObject({ class: 'PoolError', code: 'POOL_SERVER_UNRESPONSIVE' });
      expect(ours.ms).toBeLessThan(mysql2.ms);
      expect(ours.query.error).toMatchObject({ class: 'PoolError', code: 'POOL_SERVER_UNRESPONSIVE' });
      expect(ours.query.ms).toBeLessThan(mysql2.query.ms);
      server.thaw();
      for (const { pool } of outcomes) await pool.end().catch(() => undefined);
    } finally {
      if (server.frozen) server.thaw();
    }
  }, 25_000);
});
