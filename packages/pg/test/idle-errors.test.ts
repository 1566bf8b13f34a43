import { createPool } from '@pool/core';
import { requireService, statsViolations, waitUntil, within } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createPgPool, pgProvider } from '../src/index.js';
import { pgUrl, pidOf, terminate } from './helpers.js';

const svc = await requireService('pg');

/**
 * Runs `fn` while recording every uncaught exception and unhandled rejection of the process. An
 * 'error' emitted on a pg.Client with no listener is thrown from pg's socket handler and lands here.
 */
async function recordingUncaught(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (error: unknown) => seen.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await fn();
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  return seen;
}

describe.skipIf(!svc.available)("@pool/pg: an idle client's 'error' (server restart, pg_terminate_backend) never crashes the process", () => {
  it('a bare createPool(pgProvider): idle backends killed, no uncaught error, the pool refills min with new backends', async () => {
    const pool = createPool(pgProvider({ connectionString: pgUrl, application_name: 'pool-pg-idle-errors' }), { min: 2, max: 2, validateAfterIdleMs: Infinity, name: 'idle-errors' });
    try {
      const uncaught = await recordingUncaught(async () => {
        await pool.ready();
        const leases = await Promise.all([pool.acquire(), pool.acquire()]);
        const clients = leases.map((lease) => lease.resource);
        const pids = clients.map(pidOf);
        for (const lease of leases) lease.release();
        // listened to after release: listeners a borrower adds are removed when it gives the client back
        const ended = Promise.all(clients.map((client) => new Promise((resolve) => client.once('end', resolve))));
        await Promise.all(pids.map((pid) => terminate(pid)));
        // every 'error' a dying pg.Client emits comes before its 'end'
        await within(ended, 3000, "the killed clients' 'end' events");
        const lease = await pool.acquire();
        expect(pids).not.toContain(pidOf(lease.resource));
        expect((await lease.resource.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
        lease.release();
        await waitUntil(() => pool.stats().size === 2 && pool.stats().creating === 0, 'the pool back at min');
        expect(statsViolations(pool.stats())).toEqual([]);
      });
      expect(uncaught).toEqual([]);
    } finally {
      await pool.close({ timeoutMs: 2000 });
    }
  });

  it('createPgPool with no error listener (where pg.Pool crashes): no uncaught error, and the next query succeeds', async () => {
    const pool = createPgPool({ connectionString: pgUrl, application_name: 'pool-pg-idle-errors', max: 2, min: 2, pool: { validateAfterIdleMs: Infinity } });
    try {
      expect(pool.listenerCount('error')).toBe(0);
      const uncaught = await recordingUncaught(async () => {
        await pool.core.ready();
        const clients = await Promise.all([pool.connect(), pool.connect()]);
        const pids = clients.map(pidOf);
        for (const client of clients) client.release();
        const ended = Promise.all(clients.map((client) => new Promise((resolve) => client.once('end', resolve))));
        await Promise.all(pids.map((pid) => terminate(pid)));
        await within(ended, 3000, "the killed clients' 'end' events");
        const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
        expect(pids).not.toContain(rows[0].pid);
      });
      expect(uncaught).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
