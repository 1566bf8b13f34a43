import { getEventListeners } from 'node:events';
import { isPoolError } from '@pool/core';
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createPgPool, type PgCluster } from '../src/index.js';
import { pgUrl } from './helpers.js';

const svc = await requireService('pg');

// A service passes one long-lived signal (its shutdown signal) to every call. The cluster joins it to
// each host's own signal for the call only: AbortSignal.any did so by keeping ~100 bytes a call for
// as long as the long-lived signal lived (13.7 MB over 160,000 connect/release on Node 20; now none).
describe.skipIf(!svc.available)('a multi-host pool given one long-lived signal on every call', () => {
  it('the signal aborts a call waiting for a client, and once 200 calls are done it holds no listener of theirs', async () => {
    const cluster = createPgPool({ hosts: [pgUrl], max: 2, health: { checkIntervalMs: 0 } }) as PgCluster;
    const shutdown = new AbortController();
    const { signal } = shutdown;
    try {
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 20; i++) {
          const client = await cluster.connect({ signal });
          client.release();
        }
      }));
      const rows = await Promise.all(Array.from({ length: 40 }, () => cluster.transaction(async (client) => (await client.query('SELECT 1 AS n')).rows[0].n, { signal })));
      expect(rows.every((n) => n === 1)).toBe(true);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      const held = await Promise.all([cluster.connect(), cluster.connect()]);
      const waiting = cluster.connect({ signal }).catch((error: unknown) => error);
      shutdown.abort(new Error('shutting down'));
      expect(isPoolError(await waiting, 'POOL_ABORTED')).toBe(true);
      for (const client of held) client.release();
    } finally {
      await cluster.end();
    }
  });
});
