import { describe, expect, it } from 'vitest';
import { callIntoIdleFreeze, expectIdleFreezeRecovered, freezeFor, idleFreezeSummary } from '../src/index.js';

function fakeServer() {
  const server = {
    frozen: false,
    steps: [] as string[],
    freeze: () => {
      server.frozen = true;
      server.steps.push('freeze');
    },
    thaw: () => {
      server.frozen = false;
      server.steps.push('thaw');
    },
  };
  return server;
}

describe('freezeFor', () => {
  it('freezes, waits, thaws, and resolves with when it thawed', async () => {
    const server = fakeServer();
    const started = performance.now();
    const thawedAt = await freezeFor(server, 100);
    expect(server.steps).toEqual(['freeze', 'thaw']);
    expect(thawedAt - started).toBeGreaterThanOrEqual(95);
    expect(thawedAt).toBeLessThanOrEqual(performance.now());
  });
});

describe('callIntoIdleFreeze', () => {
  it('times a call into the frozen server, thaws 1 s later, then calls until one succeeds', async () => {
    const server = fakeServer();
    const calls: [number, number, boolean][] = [];
    const run = await callIntoIdleFreeze(server, async (n, timeoutMs) => {
      calls.push([n, timeoutMs, server.frozen]);
      if (server.frozen) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw Object.assign(new Error('frozen'), { code: 'POOL_TIMEOUT' });
      }
      return 'ok';
    });
    expect(server.steps).toEqual(['freeze', 'thaw']);
    expect(calls).toEqual([[1, 1500, true], [2, 3000, false]]);
    expect((run.error as { code?: unknown }).code).toBe('POOL_TIMEOUT');
    expect(run.tookMs).toBeGreaterThanOrEqual(45);
    expect(run.afterThaw.failed).toBe(0);
    expectIdleFreezeRecovered(run, 1);
    expect(idleFreezeSummary(run)).toEqual({ code: 'POOL_TIMEOUT', phase: undefined, tookMs: Math.round(run.tookMs), afterThaw: run.afterThaw });
    // nothing destroyed, or a call that outlived its deadline, or a failure after the thaw: not recovered
    expect(() => expectIdleFreezeRecovered(run, 0)).toThrow();
    expect(() => expectIdleFreezeRecovered({ ...run, tookMs: 2_000 }, 1)).toThrow();
    expect(() => expectIdleFreezeRecovered({ ...run, afterThaw: { ...run.afterThaw, failed: 1 } }, 1)).toThrow();
  });
});
