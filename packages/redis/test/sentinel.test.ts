import { isPoolError } from '@pool/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPool, isRedisTopologyError } from '../src/index.js';
import { deletePrefix, uniqueName, uniquePrefix, waitFor } from './helpers.js';
import { SHARED_MASTER_NAME, SHARED_SENTINELS, nodeClient, requireTopology } from './topology-helpers.js';

// The shared Sentinel group of scripts/services (primary 6390, replica 6391, sentinels 26390-26392),
// used read-mostly: nothing here fails over (sentinel-failover.test.ts starts its own group).
const service = await requireTopology('redis sentinel (scripts/services.d/redis-sentinel.sh)', [6390, 6391, 26390, 26391, 26392]);

describe.skipIf(!service.available)('Sentinel: createRedisPool({ sentinels, name })', () => {
  const prefix = uniquePrefix('sentinel');
  let primaryPort: number;
  beforeAll(async () => {
    const sentinel = nodeClient(26390);
    const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SHARED_MASTER_NAME)) as [string, string];
    primaryPort = Number(port);
    try {
      // right after `scripts/services` started the group, the replica may still be syncing (and the
      // sentinels poll INFO every 10 s): the replica pool below needs one the sentinels call healthy
      await waitFor(async () => {
        const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', SHARED_MASTER_NAME)) as string[][];
        return replicas.some((flat) => flat[flat.indexOf('master-link-status') + 1] === 'ok');
      }, 25_000, 'the sentinels to see a replica in sync');
    } finally {
      sentinel.disconnect();
    }
  }, 30_000);
  afterAll(async () => {
    const admin = nodeClient(primaryPort);
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('connects to the primary the sentinels name, and a replica pool reads what it wrote', async () => {
    const name = uniqueName('sentinel');
    const primary = createRedisPool({ sentinels: SHARED_SENTINELS, name: SHARED_MASTER_NAME, clientName: name, pool: { max: 4 } });
    const replica = createRedisPool({ sentinels: SHARED_SENTINELS.map((s) => `${s.host}:${s.port}`), name: SHARED_MASTER_NAME, role: 'replica', clientName: name, pool: { max: 4 } });
    try {
      const written = await primary.withConnection(async (client) => {
        await client.set(`${prefix}k`, 'v1');
        // wait until the replica has it: a replica read may lag behind, WAIT makes it not
        const acked = Number(await client.call('WAIT', '1', '5000'));
        return { role: ((await client.call('ROLE')) as string[])[0], port: client.options.port, acked };
      });
      expect(written).toEqual({ role: 'master', port: primaryPort, acked: 1 });
      expect(primary.sentinel?.current).toBe(`127.0.0.1:${primaryPort}`);
      const read = await replica.withConnection(async (client) => ({ role: ((await client.call('ROLE')) as string[])[0], value: await client.get(`${prefix}k`), port: client.options.port }));
      expect(read.role).toBe('slave');
      expect(read.value).toBe('v1');
      expect(read.port).not.toBe(primaryPort);
      // a write on a replica connection is refused by the server, not silently sent elsewhere
      await expect(replica.withConnection((client) => client.set(`${prefix}k`, 'v2'))).rejects.toThrow(/READONLY/);
      // the blocking helpers work through the Sentinel pool like through any other
      await primary.withConnection((client) => client.rpush(`${prefix}q`, 'a'));
      await expect(primary.blpop(`${prefix}q`, 1)).resolves.toEqual([`${prefix}q`, 'a']);
    } finally {
      await Promise.all([primary.end(), replica.end()]);
    }
  });

  it("a borrower's listeners are removed on release while the pool's own 'end' listener stays; duplicate() reaches the same primary", async () => {
    const pool = createRedisPool({ sentinels: SHARED_SENTINELS, name: SHARED_MASTER_NAME, pool: { max: 1 } });
    try {
      const own = await pool.withConnection((client) => client.listenerCount('end'));
      expect(own).toBeGreaterThanOrEqual(1); // the Sentinel provider's: forgets the connection when it ends
      await pool.withConnection((client) => {
        client.on('end', () => undefined);
        client.removeAllListeners('error');
      });
      const after = await pool.withConnection(async (client) => {
        const dup = client.duplicate();
        try {
          return { end: client.listenerCount('end'), error: client.listenerCount('error'), dupRole: ((await dup.call('ROLE')) as string[])[0], dupPort: dup.options.port };
        } finally {
          dup.disconnect();
        }
      });
      expect(after).toEqual({ end: own, error: 1, dupRole: 'master', dupPort: primaryPort });
    } finally {
      await pool.end();
    }
  });

  it('a failed validation PING or reset names the server the connection is on, not a default 127.0.0.1:6379', async () => {
    const pool = createRedisPool({ sentinels: SHARED_SENTINELS, name: SHARED_MASTER_NAME, pool: { max: 1 } });
    try {
      const lease = await pool.pool.acquire();
      const client = lease.resource;
      const lost = () => Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      try {
        const ping = client.ping.bind(client);
        (client as unknown as { ping: () => Promise<never> }).ping = lost;
        const pingError = await Promise.resolve(pool.provider.validate?.(client, { signal: new AbortController().signal, idleMs: 0 })).catch((caught: unknown) => caught);
        (client as unknown as { ping: typeof ping }).ping = ping;
        expect((pingError as Error).message).toContain(`PING to 127.0.0.1:${primaryPort} failed`);
        await client.select(0); // a borrower's SELECT: release sends SELECT back
        const pipeline = client.pipeline.bind(client);
        (client as unknown as { pipeline: () => unknown }).pipeline = () => ({ call() { return this; }, select() { return this; }, exec: lost });
        const resetError = await Promise.resolve(pool.provider.reset?.(client)).catch((caught: unknown) => caught);
        (client as unknown as { pipeline: typeof pipeline }).pipeline = pipeline;
        expect((resetError as Error).message).toContain(`reset of a connection to 127.0.0.1:${primaryPort} failed`);
      } finally {
        lease.destroy(new Error('test done'));
      }
    } finally {
      await pool.end();
    }
  });

  it("a write on a replica pool gets the server's READONLY and evicts nothing (a replica's normal answer, not a failover)", async () => {
    const replica = createRedisPool({ sentinels: SHARED_SENTINELS, name: SHARED_MASTER_NAME, role: 'replica', pool: { max: 2 } });
    try {
      let releaseBoth!: () => void;
      const gate = new Promise<void>((resolve) => {
        releaseBoth = resolve;
      });
      // two connections, both idle afterwards
      const warming = [0, 1].map(() => replica.withConnection(async (client) => {
        await gate;
        return client.get(`${prefix}none`);
      }));
      await waitFor(() => replica.stats().borrowed === 2, 5_000, 'two replica connections');
      releaseBoth();
      await Promise.all(warming);
      const destroyed: string[] = [];
      replica.pool.on('destroy', ({ reason }) => destroyed.push(reason));
      const error = await replica.withConnection((client) => client.set(`${prefix}k`, 'x')).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'ReplyError', code: 'READONLY' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(destroyed).toEqual([]);
      expect(replica.stats()).toMatchObject({ size: 2, idle: 2 });
      expect(replica.stats().totals.destroyed).toBe(0);
    } finally {
      await replica.end();
    }
  });

  it('an unknown master name fails the callers by their deadline with REDIS_NO_SERVER as the cause', async () => {
    const pool = createRedisPool({ sentinels: SHARED_SENTINELS, name: 'no-such-master', pool: { max: 2, acquireTimeoutMs: 1_500 } });
    try {
      const started = Date.now();
      const error = await pool.withConnection((client) => client.ping()).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      // the pool's error for creates that kept failing (its code is @pool/core's), with the sentinels' answer as the cause
      expect(isPoolError(error)).toBe(true);
      const cause = (error as { cause?: unknown }).cause;
      expect(isRedisTopologyError(cause, 'REDIS_NO_SERVER')).toBe(true);
      expect(String((cause as Error).message)).toContain("no-such-master");
    } finally {
      await pool.end();
    }
  });

  it('unreachable sentinels give REDIS_TOPOLOGY_UNAVAILABLE, naming them', async () => {
    const pool = createRedisPool({ sentinels: ['127.0.0.1:1', '127.0.0.1:2'], name: SHARED_MASTER_NAME, sentinelTimeoutMs: 300, pool: { max: 1, acquireTimeoutMs: 1_500 } });
    try {
      const error = await pool.withConnection((client) => client.ping()).catch((e: unknown) => e);
      const cause = isRedisTopologyError(error) ? error : (error as { cause?: unknown }).cause;
      expect(isRedisTopologyError(cause, 'REDIS_TOPOLOGY_UNAVAILABLE')).toBe(true);
      expect((cause as Error).message).toContain('127.0.0.1:1, 127.0.0.1:2');
    } finally {
      await pool.end();
    }
  });

  it('refuses bad Sentinel options with POOL_INVALID_OPTION naming the key', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ sentinels: [], name: 'x' }, 'sentinels'],
      [{ sentinels: ['127.0.0.1:26390'] }, 'name'],
      [{ sentinels: ['127.0.0.1:26390'], name: 'x', role: 'master' }, 'role'],
      [{ sentinels: ['127.0.0.1:26390'], name: 'x', host: '10.0.0.1' }, 'host'],
      [{ sentinels: [{ host: '127.0.0.1', port: 70_000 }], name: 'x' }, 'sentinels[0].port'],
      [{ sentinels: ['127.0.0.1:26390'], name: 'x', sentinelTimeoutMs: -1 }, 'sentinelTimeoutMs'],
      // the Sentinel keys mean nothing without `sentinels`: refused, not ignored
      [{ url: 'redis://127.0.0.1:6390', name: 'pool-primary' }, 'name'],
      [{ sentinels: ['127.0.0.1:26390'], name: 'x', queryTimeoutMs: 0 }, 'queryTimeoutMs'],
      [{ sentinels: ['127.0.0.1:26390'], name: 'x', sentinal: 1 }, 'sentinal'],
    ];
    for (const [config, option] of bad) {
      let thrown: unknown;
      try {
        createRedisPool(config as never);
      } catch (error) {
        thrown = error;
      }
      expect(isPoolError(thrown, 'POOL_INVALID_OPTION'), JSON.stringify(config)).toBe(true);
      expect((thrown as { option?: string }).option).toBe(option);
    }
  });
});
