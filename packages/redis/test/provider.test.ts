import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, type FaultProxy, requireService } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isFatalRedisError, isRedisPoolError, redisProvider } from '../src/index.js';
import { adminClient, clientsNamed, redisAddress, redisUrl, uniqueName, waitFor } from './helpers.js';

// the shared server: unreachable skips loudly locally and fails with CI=true
const svc = await requireService('redis');

// The provider's own hooks (create, validate, isBroken, destroy) against the real Redis.
describe.skipIf(!svc.available)('redisProvider against the real server', () => {
  let admin: Redis;
  const never = new AbortController().signal;
  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(() => {
    admin.disconnect();
  });

  /** Settles with the promise's outcome, or rejects if it is still pending after `ms` (a hang). */
  function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return Promise.race([promise, sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what} still pending after ${ms} ms`)))]);
  }

  it('reconnection disabled, offline queue off: a connection killed server-side stays closed, isBroken, and a command on it fails at once', async () => {
    const name = uniqueName('noreconnect');
    const provider = redisProvider({ url: redisUrl(), clientName: name });
    const client = await provider.create({ signal: never });
    try {
      expect(client.status).toBe('ready');
      expect(provider.isBroken!(client)).toBe(false);
      const [row] = await clientsNamed(admin, name);
      expect(row).toBeDefined();
      await admin.client('KILL', 'ID', row?.id as string);
      await waitFor(() => client.status === 'end', 3_000, 'ioredis to see the killed socket close');
      expect(provider.isBroken!(client)).toBe(true);
      // ioredis would reconnect within ~50 ms by default: it never does, and nothing reached the server again
      await sleep(300);
      expect(client.status).toBe('end');
      expect(await clientsNamed(admin, name)).toEqual([]);
      // with the offline queue on, this command would wait for a reconnect that never comes
      const error = await within(client.get('any-key').then(() => undefined, (caught: unknown) => caught), 1_000, 'a command on the dead connection');
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/writeable|closed/i);
      expect(isFatalRedisError(error)).toBe(true);
      expect(await provider.validate!(client, { signal: never, idleMs: 0 })).toBe(false);
    } finally {
      await provider.destroy!(client);
    }
  });

  it('validate sends PING (the server records it) and matches the echo; false in subscriber mode or once the connection is gone', async () => {
    const name = uniqueName('ping');
    const provider = redisProvider({ url: redisUrl(), clientName: name });
    const client = await provider.create({ signal: never });
    const subscriber = await provider.create({ signal: never });
    try {
      expect(await provider.validate!(client, { signal: never, idleMs: 5_000 })).toBe(true);
      const rows = await clientsNamed(admin, name);
      expect(rows.map((row) => row.cmd)).toContain('ping');
      await subscriber.subscribe(`${name}:channel`);
      expect(await provider.validate!(subscriber, { signal: never, idleMs: 0 })).toBe(false);
      client.disconnect();
      await waitFor(() => client.status === 'end', 3_000, 'the disconnect');
      expect(provider.isBroken!(client)).toBe(true);
      expect(await provider.validate!(client, { signal: never, idleMs: 0 })).toBe(false);
    } finally {
      await provider.destroy!(client);
      await provider.destroy!(subscriber);
    }
    await waitFor(async () => (await clientsNamed(admin, name)).length === 0, 3_000, 'both connections closed server-side');
  });

  describe('behind the fault proxy', () => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy(redisAddress());
    });
    afterAll(async () => {
      await proxy.close();
    });

    it('validate runs under the pool\'s signal (validateTimeoutMs): an unanswered PING waits, then rejects REDIS_PING_FAILED when the signal aborts; destroy does not wait for it', async () => {
      const provider = redisProvider({ host: proxy.host, port: proxy.port, clientName: uniqueName('pingtimeout') });
      const client = await provider.create({ signal: never });
      try {
        proxy.blackhole(true);
        const controller = new AbortController();
        let settled = false;
        const validating = Promise.resolve(provider.validate!(client, { signal: controller.signal, idleMs: 0 })).finally(() => {
          settled = true;
        });
        validating.catch(() => undefined);
        await sleep(150);
        expect(settled).toBe(false);
        controller.abort(new Error('validateTimeoutMs passed'));
        const error = await validating.then(() => undefined, (caught: unknown) => caught);
        expect(isRedisPoolError(error, 'REDIS_PING_FAILED')).toBe(true);
        expect((error as Error).message).toContain(`${proxy.host}:${proxy.port}`);
        // the PING's reply is still owed: destroy closes the socket instead of sending QUIT behind it
        await within(Promise.resolve(provider.destroy!(client)), 1_000, 'destroy of a connection with a PING in flight');
        // closed for real, while the server still says nothing (a half-close would wait for its FIN forever)
        await waitFor(() => client.status === 'end', 1_000, 'the socket to close');
      } finally {
        await proxy.heal();
        client.disconnect();
      }
    });

    it('a create aborted while the server does not answer (createTimeoutMs, pool close) rejects with the reason at once and closes its socket', async () => {
      const provider = redisProvider({ host: proxy.host, port: proxy.port, clientName: uniqueName('createabort') });
      const created: Redis[] = [];
      // records the client the provider makes, and connects it as usual
      const originalConnect = Redis.prototype.connect;
      const connect = vi.spyOn(Redis.prototype, 'connect').mockImplementation(function (this: Redis, ...args: Parameters<Redis['connect']>) {
        created.push(this);
        return originalConnect.apply(this, args);
      });
      try {
        // the TCP connect to the proxy succeeds; the handshake (CLIENT SETNAME, INFO) gets no answer
        proxy.blackhole(true);
        const controller = new AbortController();
        let settled = false;
        const creating = provider.create({ signal: controller.signal }).finally(() => {
          settled = true;
        });
        creating.catch(() => undefined);
        await sleep(150);
        expect(settled).toBe(false);
        const reason = new Error('create timed out');
        controller.abort(reason);
        const error = await within(creating.then(() => undefined, (caught: unknown) => caught), 1_000, 'the aborted create');
        expect(error).toBe(reason);
        expect(created).toHaveLength(1);
        expect(created[0]?.status).toBe('end');
      } finally {
        connect.mockRestore();
        await proxy.heal();
      }
    });
  });
});
