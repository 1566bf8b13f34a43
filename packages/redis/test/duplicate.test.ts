import { inspect } from 'node:util';
import { requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool } from '../src/index.js';
import { clientsNamed, type PrivateRedis, redisServerBinary, redisUrl, startPrivateRedis, suiteAdmin, uniqueName, uniquePrefix, waitFor } from './helpers.js';

const svc = await requireService('redis');

/** What a user does with `duplicate()`: a subscriber of its own, then a command on it. */
async function subscribeAndHear(dup: Redis, publisher: Redis, channel: string): Promise<string> {
  const heard = new Promise<string>((resolve) => dup.once('message', (_channel: string, message: string) => resolve(message)));
  await dup.subscribe(channel);
  await publisher.publish(channel, 'hello');
  return heard;
}

// `client.duplicate()` of a pooled connection makes the client the same code makes from a plain
// ioredis client: connected, authenticated, same db and name, and the caller's (never pooled).
describe.skipIf(!svc.available)('duplicate() of a pooled connection', () => {
  const prefix = uniquePrefix('duplicate');
  const admin = suiteAdmin(prefix);

  it('subscribes and hears a message like a plain client\'s duplicate; the pooled connection goes back to the pool', async () => {
    const name = uniqueName('dup');
    const pool = createRedisPool({ url: redisUrl(), clientName: name, pool: { max: 1 } });
    const plain = new Redis(redisUrl(), { connectionName: name });
    const dups: Redis[] = [];
    try {
      const fromPlain = plain.duplicate();
      dups.push(fromPlain);
      expect(await subscribeAndHear(fromPlain, admin, `${prefix}plain`)).toBe('hello');

      const created = pool.stats().totals.created;
      const heard = await pool.withConnection(async (client) => {
        const dup = client.duplicate();
        dups.push(dup);
        // no connect() needed, as with ioredis: commands wait until it is ready
        return subscribeAndHear(dup, admin, `${prefix}pooled`);
      });
      expect(heard).toBe('hello');
      const dup = dups[1] as Redis;
      // the caller owns it: still subscribed after the release, with the pool's name
      expect(dup.status).toBe('ready');
      const subscribers = (await clientsNamed(admin, name)).filter((row) => row.sub === '1');
      expect(subscribers).toHaveLength(2); // the plain client's duplicate and the pooled one's
      // the pooled connection was reset and kept, not destroyed
      expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
      expect(pool.stats().totals.created).toBe(created + 1);
      expect(pool.stats().totals.destroyed).toBe(0);
      expect(await pool.call('PING')).toBe('PONG');
      // `duplicate(override)` wins over the pool's settings, as in ioredis
      const overridden = await pool.withConnection((client) => client.duplicate({ lazyConnect: true, connectionName: `${name}-other` }));
      dups.push(overridden);
      expect(overridden.status).toBe('wait');
      await overridden.connect();
      expect(await overridden.client('GETNAME')).toBe(`${name}-other`);
    } finally {
      for (const dup of dups) dup.disconnect();
      plain.disconnect();
      await pool.end();
    }
  });

  const binary = redisServerBinary();
  describe.skipIf(binary === undefined && process.env.CI !== 'true')('on a server with a password and an ACL user (private redis-server)', () => {
    let server: PrivateRedis;
    let owner: Redis;
    beforeAll(async () => {
      server = await startPrivateRedis(['--requirepass', 'the-admin-one'], 'the-admin-one');
      owner = new Redis({ port: server.port, password: 'the-admin-one' });
      await owner.call('ACL', 'SETUSER', 'worker', 'on', '>worker-secret', '~*', '&*', '+@all');
    });
    afterAll(async () => {
      owner?.disconnect();
      await server?.stop();
    });

    it('the duplicate authenticates as the pool\'s user, in its db, and monitor() works too; the password stays out of util.inspect', async () => {
      const url = `redis://worker:worker-secret@127.0.0.1:${server.port}/3`;
      const pool = createRedisPool({ url, pool: { max: 1 } });
      const plain = new Redis(url);
      const opened: Redis[] = [];
      try {
        const plainDup = plain.duplicate();
        opened.push(plainDup);
        const expected = [await plainDup.call('ACL', 'WHOAMI'), /db=\d+/.exec((await plainDup.client('INFO')) as string)?.[0]];
        expect(expected).toEqual(['worker', 'db=3']);

        const seen = await pool.withConnection(async (client) => {
          const dup = client.duplicate();
          opened.push(dup);
          expect(inspect(client, { depth: 4 })).not.toContain('worker-secret');
          return [await dup.call('ACL', 'WHOAMI'), /db=\d+/.exec((await dup.client('INFO')) as string)?.[0]];
        });
        expect(seen).toEqual(expected);

        // ioredis's monitor() is a duplicate in MONITOR mode
        const commands: string[] = [];
        const monitor = await pool.withConnection((client) => client.monitor());
        opened.push(monitor);
        monitor.on('monitor', (_time: string, args: string[]) => commands.push(String(args[0]).toUpperCase()));
        await owner.call('ECHO', 'seen-by-monitor');
        await waitFor(() => commands.includes('ECHO'), 3_000, 'MONITOR to see ECHO');
        expect(pool.stats().totals.destroyed).toBe(0);
      } finally {
        for (const client of opened) client.disconnect();
        plain.disconnect();
        await pool.end();
      }
    });
  });
});
