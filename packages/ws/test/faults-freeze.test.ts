import { describe, expect, it } from 'vitest';
import { callIntoIdleFreeze, expectIdleFreezeRecovered, faultUnderLoad, freezeFor, idleFreezeSummary, logMeasure, withBaseline, type FaultRun } from '@pool/testkit';
import { PlainReconnectingClient } from './helpers/plain-client.js';
import { pool, server, sleep, useWsServer, warm } from './helpers/ws-server-faults.js';

// Server faults on a real `ws` server in its own process (restart, kill -9, SIGSTOP), measured side
// by side with the client a user would otherwise write (one reconnecting `ws` socket), same server,
// same run. Reliability rows 16, 17, 39 (restart, crash) and 40 (freeze).

useWsServer();

describe.sequential('@pool/ws against a real server process: frozen (SIGSTOP) (vs a plain reconnecting ws client)', () => {
  it('row 40: server frozen (SIGSTOP) 2 s under load: every call settles by its deadline with a typed error, frozen sockets destroyed, recovery after SIGCONT', async () => {
    const p = pool({ max: 4 });
    const plain = new PlainReconnectingClient(server().url);
    await withBaseline(p, () => warm(p, 4), plain, async () => {
      const deadline = 1000;
      const before = p.stats().totals;
      const [ours, baseline] = await Promise.all([
        faultUnderLoad(() => p.request({ op: 'slow', ms: 5, value: 1 }, { timeoutMs: deadline }), () => freezeFor(server(), 2000), { callers: 8, settleMs: 2000 }),
        faultUnderLoad(() => plain.request({ op: 'slow', ms: 5 }, deadline), () => sleep(300 + 2000), { callers: 8, settleMs: 2000, warmMs: 0 }),
      ]);
      const thawedAt = ours.fault;
      const plainFirst = Math.min(...baseline.outcomes.filter((o) => o.ok && o.end > thawedAt).map((o) => o.end)) - thawedAt;
      const summary = (r: FaultRun<unknown>, first: number) => ({ calls: r.outcomes.length, failed: r.failures.length, codes: r.codes, untyped: r.withoutCode.length, longestMs: Math.round(r.longestMs), firstSuccessAfterThawMs: Math.round(first) });
      const totals = p.stats().totals;
      logMeasure('row 40 freeze 2 s under load (deadline 1000 ms)', { ...summary(ours, ours.firstSuccessAfterMs), destroyed: totals.destroyed - before.destroyed, plainSocketsOpened: undefined }, { ...summary(baseline, plainFirst), socketsOpened: plain.opened });
      expect(ours.withoutCode).toEqual([]);
      expect(ours.longestMs).toBeLessThan(deadline + 500);
      expect(totals.destroyed - before.destroyed).toBeGreaterThanOrEqual(4);
      expect(ours.firstSuccessAfterMs).toBeLessThan(1500);
    });
  });

  it('row 40: server frozen while sockets sit idle: the call settles by its deadline (POOL_TIMEOUT), the unanswered socket is destroyed, recovery after SIGCONT', async () => {
    const p = pool({ max: 2, validateAfterIdleMs: 200, validateTimeoutMs: 800 });
    try {
      await warm(p, 2);
      const run = await callIntoIdleFreeze(server(), (n, timeoutMs) => p.request({ op: 'echo', value: n }, { timeoutMs }));
      logMeasure('row 40 freeze idle (deadline 1500 ms)', { ...idleFreezeSummary(run), destroyed: p.stats().totals.destroyed }, 'n/a (plain client: the call waits for its own timer; the socket is kept)');
      expectIdleFreezeRecovered(run, p.stats().totals.destroyed);
    } finally {
      server().thaw();
      await p.close();
    }
  });
});
