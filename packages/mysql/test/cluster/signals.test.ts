// A service passes one long-lived signal (its shutdown signal) to every cluster call. Each borrow joins
// it to its own for the wait only: AbortSignal.any did so by keeping ~100 bytes a call for as long as
// the long-lived signal lived (Node 20); @pool/core's linkSignals lets go when the borrow settles.
import { getEventListeners } from 'node:events';
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createPoolCluster } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('a PoolCluster given one long-lived signal on every call', () => {
  it('the signal aborts a borrow waiting for a connection, and once 200 borrows are done it holds no listener of theirs', async () => {
    const cluster = createPoolCluster();
    cluster.add('NODE1', { ...connectionOptions(), connectionLimit: 2 });
    const shutdown = new AbortController();
    const { signal } = shutdown;
    try {
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 25; i++) (await cluster.getConnection('*', undefined, { signal })).release();
      }));
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      const held = await Promise.all([cluster.getConnection(), cluster.getConnection()]);
      const waiting = cluster.getConnection('*', undefined, { signal }).catch((error: unknown) => error);
      shutdown.abort(new Error('shutting down'));
      expect(await waiting).toMatchObject({ code: 'POOL_ABORTED' });
      for (const connection of held) connection.release();
    } finally {
      await cluster.end();
    }
  });
});
