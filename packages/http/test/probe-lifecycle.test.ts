import { startFaultProxy } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { outcome } from './helpers/parity.js';
import { originsBackWithHangingHealth } from './helpers/hanging-probes.js';
import { startServer } from './helpers/server.js';

// The background probe of a down origin (failover.probe) belongs to its outage: it stops once the
// origin is back, however it came back, and close()/destroy() cut a probe in flight.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms for up to a second. */
async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after 1000 ms waiting for ${what}`);
    await sleep(10);
  }
}

describe('the background probe of a down origin', () => {
  it('stops once a lone origin is back by a request\'s connect: one { up: true }, no probe connects while it is up', async () => {
    const s = await startServer();
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: s.port });
    const pool = createHttpPool({ origin: `http://127.0.0.1:${proxy.port}`, healthCheck: false, failover: { checkIntervalMs: 0, probe: { minDelayMs: 100, maxDelayMs: 100 } } });
    const events: string[] = [];
    pool.onOriginChange(({ up }) => events.push(up ? 'up' : 'down'));
    try {
      await proxy.refuse(true);
      // two refused connects take it out (downAfterFailures 2); its background probe is scheduled 100 ms on
      expect(await Promise.all([1, 2].map(() => outcome(pool.request({ path: '/', method: 'GET' }))))).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
      expect(events).toEqual(['down']);
      await proxy.refuse(false);
      expect(await outcome(pool.request({ path: '/', method: 'GET' }))).toBe('served');
      expect(events).toEqual(['down', 'up']);
      const accepted = proxy.acceptedCount();
      // past the probe's delay: before, the probe scheduled for the outage still ran, connected, and
      // reported the origin back a second time (['down', 'up', 'up'])
      await sleep(400);
      expect(events).toEqual(['down', 'up']);
      expect(proxy.acceptedCount()).toBe(accepted);
    } finally {
      await pool.destroy();
      await proxy.close();
      await s.close();
    }
  });

  for (const how of ['close', 'destroy'] as const) {
    it(`${how}() cuts a probe in flight: its connection closes at once, not at the health check's deadline`, async () => {
      // each background probe connects and waits for its health check (validateTimeoutMs: 5 s)
      const { pool, servers } = await originsBackWithHangingHealth({ failover: { checkIntervalMs: 0, probe: { minDelayMs: 50, maxDelayMs: 50 } } });
      const open = async () => (await Promise.all(servers.map((s) => new Promise<number>((resolve) => s.server.getConnections((_error, n) => resolve(n)))))).reduce((a, b) => a + b, 0);
      try {
        await untilAsync(async () => (await open()) === 2, 'both probes connected');
        if (how === 'close') await pool.close();
        else await pool.destroy();
        // before: both stayed open (holding the process) until the health check's deadline, 5 s later
        await untilAsync(async () => (await open()) === 0, 'the probes\' connections closed');
      } finally {
        await pool.destroy();
        for (const s of servers) await s.close();
      }
    });
  }
});
