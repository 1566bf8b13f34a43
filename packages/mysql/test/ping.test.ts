// The validation ping: COM_PING (`connection.ping()`), bounded by the pool's validate signal.
import { requireService, serviceAddress, startFaultProxy, waitUntil, type FaultProxy } from '@pool/testkit';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mysqlProvider } from '../src/index.js';
import { adminConnection, connectionOptions, kill, serverHas } from './helpers.js';

const service = await requireService('mysql');
const signal = (): AbortSignal => new AbortController().signal;

describe.skipIf(!service.available)('mysqlProvider validate: COM_PING under the validate timeout', () => {
  let admin: mysql.Connection;
  let proxy: FaultProxy;

  beforeAll(async () => {
    admin = await adminConnection();
    proxy = await startFaultProxy(serviceAddress('mysql'));
  });
  afterEach(async () => {
    await proxy.heal();
  });
  afterAll(async () => {
    await proxy?.close();
    await admin?.end();
  });

  it('a live connection answers one connection.ping() (COM_PING, no SQL); a killed one is false, with no round trip', async () => {
    const provider = mysqlProvider({ ...connectionOptions(), quitTimeoutMs: 200 });
    const connection = await provider.create({ signal: signal() });
    try {
      const ping = vi.spyOn(connection, 'ping');
      const query = vi.spyOn(connection, 'query');
      await expect(provider.validate!(connection, { signal: signal(), idleMs: 0 })).resolves.toBe(true);
      expect(ping).toHaveBeenCalledTimes(1);
      expect(query).not.toHaveBeenCalled();

      await kill(admin, connection.threadId);
      await waitUntil(() => provider.isBroken!(connection), 'mysql2 to see the killed connection (error or end)');
      expect(await serverHas(admin, connection.threadId)).toBe(false);
      expect(await provider.validate!(connection, { signal: signal(), idleMs: 0 })).toBe(false);
      expect(ping).toHaveBeenCalledTimes(1);
    } finally {
      await provider.destroy!(connection);
    }
  });

  it('a ping with no answer (blackholed) rejects when the validate signal fires and marks the connection broken, so its late reply reaches no one', async () => {
    const provider = mysqlProvider({ ...connectionOptions(proxy), quitTimeoutMs: 100 });
    const connection = await provider.create({ signal: signal() });
    try {
      proxy.blackhole(true);
      const controller = new AbortController();
      const deadline = new Error('validate deadline');
      const pinging = provider.validate!(connection, { signal: controller.signal, idleMs: 0 });
      controller.abort(deadline);
      await expect(pinging).rejects.toBe(deadline);
      expect(provider.isBroken!(connection)).toBe(true);
    } finally {
      proxy.blackhole(false);
      await provider.destroy!(connection);
    }
  });
});
