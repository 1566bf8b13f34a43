import { describe, expect, it } from 'vitest';
import { closeDuringOutage } from '../src/index.js';

/** A pool whose calls wait until close(), which takes `closeMs` and fails them with POOL_CLOSED. */
function fakePool(closeMs: number) {
  const waiting: ((e: unknown) => void)[] = [];
  return {
    call: () => new Promise((_, reject) => waiting.push(reject)),
    async close() {
      await new Promise((resolve) => setTimeout(resolve, closeMs));
      for (const reject of waiting) reject(Object.assign(new Error('closed'), { code: 'POOL_CLOSED' }));
    },
  };
}

describe('closeDuringOutage', () => {
  it('closes one pool with the server down and three callers waiting, another with it frozen; leaves it started and thawed', async () => {
    const steps: string[] = [];
    const server = {
      stop: async () => void steps.push('stop'),
      start: async () => (steps.push('start'), { readyAt: performance.now() }),
      freeze: () => void steps.push('freeze'),
      thaw: () => void steps.push('thaw'),
    };
    const pools = [fakePool(30), fakePool(60)];
    let calls = 0;
    const started = performance.now();
    const run = await closeDuringOutage(server, async () => (steps.push('warm'), pools.shift()!), (p, n) => (calls += n, p.call()));
    expect(steps).toEqual(['warm', 'stop', 'start', 'warm', 'freeze', 'thaw']);
    expect(calls).toBe(1 + 2 + 3);
    expect(run.waiterCodes).toEqual(['POOL_CLOSED', 'POOL_CLOSED', 'POOL_CLOSED']);
    expect(run.downCloseMs).toBeGreaterThanOrEqual(25);
    expect(run.waitersSettledMs).toBeGreaterThanOrEqual(run.downCloseMs);
    expect(run.frozenCloseMs).toBeGreaterThanOrEqual(55);
    // the callers waited 500 ms before the first close
    expect(performance.now() - started).toBeGreaterThanOrEqual(500 + 30 + 60 - 5);
  });
});
