import type { Redis } from 'ioredis';
import { requireService } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, type RedisPool } from '../src/index.js';
import { RELEASE_DRAIN_MS } from '../src/release-drain.js';
import { adminClient, clientsNamed, deletePrefix, redisServerBinary, redisUrl, startPrivateRedis, uniqueName, uniquePrefix, waitFor, type PrivateRedis } from './helpers.js';

// the shared server: unreachable skips loudly locally and fails with CI=true
const svc = await requireService('redis');

// Row 24: a connection released in SUBSCRIBE or MULTI is destroyed; after SELECT 5 it goes back to
// the configured db; the next borrower sees db 0, normal mode and the pool's client name.
describe.skipIf(!svc.available)('reset on release (reliability row 24)', () => {
  const prefix = uniquePrefix('reset');
  const name = uniqueName('reset');
  let admin: Redis;
  let pool: RedisPool;
  const destroyed: string[] = [];

  beforeAll(() => {
    admin = adminClient();
    pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 1 } });
    pool.pool.on('destroy', ({ reason }) => destroyed.push(reason));
  });
  afterAll(async () => {
    await pool.end();
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  async function nextBorrowerSees(): Promise<{ db: string; sub: string; multi: string; name: string; flags: string }> {
    return pool.withConnection(async (client) => {
      const info = (await client.client('INFO')) as string;
      const fields = Object.fromEntries(info.trim().split(' ').map((pair) => pair.split('=') as [string, string]));
      expect(await client.set(`${prefix}probe`, 'x')).toBe('OK');
      return { db: fields.db ?? '', sub: fields.sub ?? '', multi: fields.multi ?? '', name: fields.name ?? '', flags: fields.flags ?? '' };
    });
  }

  it('a connection released in subscriber mode is destroyed; the next borrower is in normal mode', async () => {
    const before = pool.stats().totals.destroyed;
    await pool.withConnection(async (client) => {
      await client.subscribe(`${prefix}channel`);
    });
    expect(pool.stats().totals.destroyed).toBe(before + 1);
    expect(destroyed.at(-1)).toBe('reset-failed');
    expect(await nextBorrowerSees()).toMatchObject({ sub: '0', multi: '-1', db: '0', name });
  });

  it('a connection released inside MULTI (sent alone, or by a raw MULTI) is destroyed; the next is not in a transaction', async () => {
    const before = pool.stats().totals.destroyed;
    await pool.withConnection(async (client) => {
      await client.multi({ pipeline: false });
      expect(await client.set(`${prefix}never`, '1')).toBe('QUEUED');
    });
    await pool.withConnection(async (client) => {
      await client.call('MULTI');
      await client.call('SET', `${prefix}never`, '2');
    });
    expect(pool.stats().totals.destroyed).toBe(before + 2);
    expect(await nextBorrowerSees()).toMatchObject({ multi: '-1', db: '0' });
    expect(await admin.exists(`${prefix}never`)).toBe(0);
  });

  it('after SELECT 5 the connection goes back to db 0 and is reused, not destroyed', async () => {
    const before = pool.stats().totals;
    await pool.withConnection(async (client) => {
      await client.select(5);
      await client.set(`${prefix}in5`, 'five');
    });
    const seen = await nextBorrowerSees();
    expect(seen.db).toBe('0');
    const after = pool.stats().totals;
    expect(after.destroyed).toBe(before.destroyed);
    expect(after.created).toBe(before.created);
    expect(await pool.withConnection((client) => client.get(`${prefix}in5`))).toBeNull();
    await admin.select(5);
    expect(await admin.get(`${prefix}in5`)).toBe('five');
    await admin.del(`${prefix}in5`);
    await admin.select(0);
  });

  it('a renamed connection gets the pool name back; WATCH is undone so the next transaction is not spoiled', async () => {
    await pool.withConnection(async (client) => {
      await client.client('SETNAME', 'borrower-renamed');
      await client.watch(`${prefix}watched`);
    });
    expect((await nextBorrowerSees()).name).toBe(name);
    // if the WATCH had survived, this write by another client would abort the next EXEC
    await admin.set(`${prefix}watched`, 'changed');
    const result = await pool.transaction((multi) => {
      multi.incr(`${prefix}counter`);
    });
    expect(result).toEqual([[null, 1]]);
    expect(pool.stats().totals.destroyed).toBeGreaterThan(0);
    expect((await clientsNamed(admin, name)).length).toBe(1);
  });

  it('a connection that ran CLIENT REPLY or RESET itself is destroyed (cannot be undone safely)', async () => {
    const before = pool.stats().totals.destroyed;
    await pool.withConnection(async (client) => {
      await client.call('RESET');
    });
    expect(pool.stats().totals.destroyed).toBe(before + 1);
    expect(await nextBorrowerSees()).toMatchObject({ db: '0', name });
  });

  it("a borrower's disconnect() or quit() before release never reaches the next borrower, who is not retried (withConnection)", async () => {
    // disconnect() only ends the socket: ioredis still says `ready` until the server's FIN is read
    for (const close of [(client: Redis) => void client.disconnect(), (client: Redis) => client.quit(), (client: Redis) => void client.quit().catch(() => undefined)]) {
      const before = pool.stats().totals.destroyed;
      await pool.withConnection(close);
      // the very next borrower, lent synchronously after the release: a working connection
      expect(await pool.withConnection((client) => client.ping())).toBe('PONG');
      expect(pool.stats().totals.destroyed).toBe(before + 1);
      expect(await nextBorrowerSees()).toMatchObject({ db: '0', name });
    }
  });

  it("a borrower's listeners ('error', 'end', 'message', ...) are removed on release; the pool's own stay, even when a borrower removed them", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const own = await pool.withConnection((client) => ({ error: client.listenerCount('error'), end: client.listenerCount('end'), ready: client.listenerCount('ready') }));
      expect(own.error).toBeGreaterThanOrEqual(1); // the provider's: an idle connection's socket error never crashes the process
      const heard: number[] = [];
      // fifteen borrowers of the one connection, each leaving listeners behind (a plain generic-pool keeps them all)
      for (let i = 0; i < 15; i++) {
        await pool.withConnection(async (client) => {
          client.on('error', () => heard.push(i));
          client.on('end', () => heard.push(i));
          client.on('message', () => heard.push(i));
          client.once('ready', () => heard.push(i));
          await client.ping();
        });
      }
      const now = await pool.withConnection((client) => ({ error: client.listenerCount('error'), end: client.listenerCount('end'), message: client.listenerCount('message'), ready: client.listenerCount('ready') }));
      expect(now).toEqual({ ...own, message: 0 });
      // one that removes the pool's own 'error' listener: it is put back on release
      await pool.withConnection((client) => {
        client.removeAllListeners('error');
      });
      expect(await pool.withConnection((client) => client.listenerCount('error'))).toBe(own.error);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(heard).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a command released unawaited (fire-and-forget) settles as on a plain ioredis client; the connection is kept', async () => {
    // the same body on a plain ioredis client and on a pooled connection: SET awaited, EXPIRE not
    const fireAndForget = async (client: Redis, key: string): Promise<{ left: Promise<unknown> }> => {
      await client.set(key, 'v');
      // wrapped: an async function returning the promise itself would wait for it
      return { left: client.expire(key, 100).then((reply) => reply, (error: unknown) => error) };
    };
    const plain = adminClient();
    try {
      const { left: plainLeft } = await fireAndForget(plain, `${prefix}ff-plain`);
      const before = pool.stats().totals.destroyed;
      let pooledLeft: Promise<unknown> = Promise.resolve();
      await pool.withConnection(async (client) => {
        ({ left: pooledLeft } = await fireAndForget(client, `${prefix}ff-pool`));
      });
      // before: the release closed the connection at once and EXPIRE (which the server ran) rejected with `Connection is closed.`
      expect(await pooledLeft).toBe(await plainLeft);
      expect(await pooledLeft).toBe(1);
      expect(await admin.ttl(`${prefix}ff-pool`)).toBeGreaterThan(0);
      expect(pool.stats().totals.destroyed).toBe(before);
      expect(await nextBorrowerSees()).toMatchObject({ db: '0', multi: '-1', name });
    } finally {
      plain.disconnect();
    }
  });

  it(`a reply still owed ${RELEASE_DRAIN_MS} ms after release (a BLPOP left blocking) gets the connection destroyed, never reused`, async () => {
    const before = pool.stats().totals.destroyed;
    const lease = await pool.pool.acquire();
    const started = performance.now();
    const pending = lease.resource.blpop(`${prefix}empty`, 0).catch((error: unknown) => error);
    lease.release();
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Connection is closed.');
    expect(performance.now() - started).toBeGreaterThanOrEqual(RELEASE_DRAIN_MS - 50);
    await waitFor(() => pool.stats().totals.destroyed === before + 1, 2_000, 'destroy');
    expect(await nextBorrowerSees()).toMatchObject({ db: '0' });
    const stats = pool.stats();
    expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
  });
});

describe.skipIf(!svc.available)('enableAutoPipelining: a command released unawaited', () => {
  const prefix = uniquePrefix('autopipe');
  let admin: Redis;
  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(async () => {
    await admin.select(9);
    await deletePrefix(admin, prefix);
    await admin.select(0);
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it("never runs in the next borrower's session (after its SELECT): it runs and settles in its own, as on a plain client, before the connection is lent again", async () => {
    const pool = createRedisPool({ url: redisUrl(), redisOptions: { enableAutoPipelining: true }, pool: { max: 1 } });
    try {
      await pool.call('PING');
      let leftover: Promise<unknown> = Promise.resolve();
      // ioredis holds an auto-pipelined command until process.nextTick: released before that
      const first = pool.withConnection((client) => {
        leftover = client.set(`${prefix}leak`, 'first').catch((error: unknown) => error);
      });
      const second = pool.withConnection(async (client) => {
        await client.select(9);
        return client.exists(`${prefix}leak`);
      });
      await first;
      expect(await second).toBe(0);
      expect(await leftover).toBe('OK');
      expect(pool.stats().totals.destroyed).toBe(0);
      expect(await admin.get(`${prefix}leak`)).toBe('first');
      const db9 = adminClient();
      try {
        await db9.select(9);
        expect(await db9.exists(`${prefix}leak`)).toBe(0);
      } finally {
        db9.disconnect();
      }
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!svc.available)('reset policies against the shared server', () => {
  const name = uniqueName('always');
  let admin: Redis;
  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(() => {
    admin.disconnect();
  });

  it("'always' sends UNWATCH and SELECT on each release; a non-zero db is kept for every borrower", async () => {
    const pool = createRedisPool({ url: redisUrl(), db: 3, clientName: name, reset: 'always', pool: { max: 1 } });
    try {
      const db = await pool.withConnection(async (client) => {
        await client.select(7);
        return client.client('INFO');
      });
      expect(String(db)).toContain(' db=7 ');
      const info = String(await pool.withConnection((client) => client.client('INFO')));
      expect(info).toContain(' db=3 ');
      expect(info).toContain(' cmd=client|info ');
      const rows = await clientsNamed(admin, name);
      expect(rows.length).toBe(1);
      expect(rows[0]?.db).toBe('3');
      expect(pool.stats().totals.destroyed).toBe(0);
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!svc.available)("client name restored when the pool's name is empty (clientName: '')", () => {
  it.each(['tracked', 'always', 'command'] as const)("reset '%s': a borrower's CLIENT SETNAME does not reach the next borrower", async (reset) => {
    const pool = createRedisPool({ url: redisUrl(), clientName: '', reset, pool: { max: 1 } });
    try {
      const first = await pool.withConnection(async (client) => {
        const id = await client.client('ID');
        await client.client('SETNAME', uniqueName('borrower'));
        return id;
      });
      const next = await pool.withConnection(async (client) => ({ id: await client.client('ID'), name: await client.client('GETNAME') }));
      expect(next.id).toBe(first);
      expect(next.name).toBeNull();
      expect(pool.stats().totals.destroyed).toBe(0);
    } finally {
      await pool.end();
    }
  });
});

// Row 37: reset with RESET (Redis >= 6.2) drops AUTH, the db and the name; the pool re-authenticates,
// re-selects and renames, so the next borrower sees a clean, authenticated, right-database session.
const binary = redisServerBinary();
describe.skipIf(!svc.available || (binary === undefined && process.env.CI !== 'true'))('RESET-based reset re-authenticates (reliability row 37, private redis-server with requirepass)', () => {
  const password = 'canary-reset-7f3a';
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis(['--requirepass', password], password);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("after reset: 'command' the session is authenticated, on the configured db, named, and out of any MULTI/WATCH", async () => {
    const pool = createRedisPool({ host: '127.0.0.1', port: server.port, password, db: 2, clientName: 'resetpool', reset: 'command', pool: { max: 1 } });
    const errors: unknown[] = [];
    pool.pool.on('error', (error) => errors.push(error));
    try {
      await pool.withConnection(async (client) => {
        await client.select(9);
        await client.client('SETNAME', 'changed');
        await client.watch('k');
        await client.set('k', 'v9');
      });
      const seen = await pool.withConnection(async (client) => ({
        info: String(await client.client('INFO')),
        whoami: await client.call('ACL', 'WHOAMI'),
        set: await client.set('k2', 'v2'),
      }));
      expect(seen.info).toContain(' db=2 ');
      expect(seen.info).toContain(' name=resetpool ');
      expect(seen.info).toContain(' multi=-1 ');
      expect(seen.whoami).toBe('default');
      expect(seen.set).toBe('OK');
      expect(pool.stats().totals).toMatchObject({ created: 1, destroyed: 0 });
      expect(errors).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
