import { describe, expect, it } from 'vitest';
import { callsAfterRestart, callsAfterRestartSummary, closeDuringOutage, expectNoFailureAfterRestart, faultUnderLoad, logMeasure, untilSuccess, withBaseline } from '@pool/testkit';
import { PlainReconnectingClient } from './helpers/plain-client.js';
import { pool, server, sleep, summary, useWsServer, warm } from './helpers/ws-server-faults.js';

// Server faults on a real `ws` server in its own process (restart, kill -9, SIGSTOP), measured side
// by side with the client a user would otherwise write (one reconnecting `ws` socket), same server,
// same run. Reliability rows 16, 17, 39 (restart, crash) and 40 (freeze).

useWsServer();

describe.sequential('@pool/ws against a real server process: restart and crash; shutdown during an outage (vs a plain reconnecting ws client)', () => {
  for (const kill of [false, true]) {
    it(`row 16: server ${kill ? 'killed (SIGKILL)' : 'restarted (SIGTERM)'} while sockets sit idle: no call fails after it is back, the first succeeds at once`, async () => {
      const p = pool();
      const plain = new PlainReconnectingClient(server().url);
      await withBaseline(p, () => warm(p, 4), plain, async () => {
        const times = await server().restart({ downMs: 1500, kill });
        // the first calls after the server answers again: the dead idle sockets must not be lent
        const ours = await callsAfterRestart((n) => p.request({ op: 'echo', value: n }, { timeoutMs: 3000 }));
        const baseline = await untilSuccess(() => plain.request({ op: 'echo' }, 3000));
        logMeasure(`row 16 idle ${kill ? 'kill' : 'restart'} (ms from ready to first success, failed calls before it)`, callsAfterRestartSummary(ours), { ...baseline, fromReadyMs: Math.round(performance.now() - times.readyAt) });
        expectNoFailureAfterRestart(ours);
      });
    });
  }

  it('row 17: server killed and back 1.5 s later under load: every failure typed, no call outlives its deadline, first success soon after it is back', async () => {
    const p = pool({ max: 4 });
    const plain = new PlainReconnectingClient(server().url);
    await withBaseline(p, () => warm(p, 4), plain, async () => {
      const deadline = 1000;
      const opts = { callers: 8, warmMs: 300, settleMs: 1500, recoveredAt: (t: { readyAt: number }) => t.readyAt };
      // the two runs overlap: the same outage for both
      const [ours, baseline] = await Promise.all([
        faultUnderLoad(() => p.request({ op: 'slow', ms: 5, value: 1 }, { timeoutMs: deadline }), () => server().restart({ downMs: 1500, kill: true }), opts),
        faultUnderLoad(() => plain.request({ op: 'slow', ms: 5 }, deadline), () => sleep(300 + 1500 + 200).then(() => ({ readyAt: NaN })), { ...opts, warmMs: 0, recoveredAt: undefined }),
      ]);
      const readyAt = ours.fault.readyAt;
      const plainFirst = Math.min(...baseline.outcomes.filter((o) => o.ok && o.end > readyAt).map((o) => o.end)) - readyAt;
      logMeasure('row 17 kill under load (deadline 1000 ms)', summary(ours, ours.firstSuccessAfterMs), summary(baseline, plainFirst));
      expect(ours.withoutCode).toEqual([]);
      expect(ours.longestMs).toBeLessThan(deadline + 500);
      expect(ours.firstSuccessAfterMs).toBeLessThan(500);
    });
  });

  it('row 17: callers whose deadline outlasts the outage (killed, back 1.5 s later; deadline 4 s) wait through it and succeed; only the calls in flight at the crash fail', async () => {
    const p = pool({ max: 4 });
    const plain = new PlainReconnectingClient(server().url);
    await withBaseline(p, () => warm(p, 4), plain, async () => {
      const opts = { callers: 8, warmMs: 300, settleMs: 1000 };
      const [ours, baseline] = await Promise.all([
        faultUnderLoad(() => p.request({ op: 'slow', ms: 5, value: 1 }, { timeoutMs: 4000 }), () => server().restart({ downMs: 1500, kill: true }), opts),
        faultUnderLoad(() => plain.request({ op: 'slow', ms: 5 }, 4000), () => sleep(2000), { ...opts, warmMs: 0 }),
      ]);
      const { downAt, readyAt } = ours.fault;
      const waited = ours.outcomes.filter((o) => o.ok && o.start < readyAt && o.end > readyAt).length;
      const plainFirst = Math.min(...baseline.outcomes.filter((o) => o.ok && o.end > readyAt).map((o) => o.end)) - readyAt;
      logMeasure('row 17 kill under load, deadline 4000 ms (longer than the outage)', { ...summary(ours, ours.firstSuccessAfterMs), waitedThrough: waited }, summary(baseline, plainFirst));
      // only the calls in flight when the server died fail (their request had left): none started during the outage
      expect(Object.keys(ours.codes)).toEqual(['WS_CLOSED']);
      // at most one per caller: a socket whose reply came in just before the crash can be lent once more before its close is read
      expect(ours.failures.length).toBeLessThanOrEqual(8);
      expect(ours.failures.every((f) => f.start < downAt)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(4);
      expect(ours.longestMs).toBeLessThan(4000);
    });
  });

  it('shutdown during an outage: close() settles promptly (server down with callers waiting; server frozen with idle sockets)', async () => {
    // frozen: destroy sends a close frame nobody answers
    const run = await closeDuringOutage(server(), () => warm(pool({ max: 2 }), 2), (p, n) => p.request({ op: 'echo', value: n }, { timeoutMs: 10_000 }));
    logMeasure('shutdown during outage', { downCloseMs: Math.round(run.downCloseMs), waiterCodes: run.waiterCodes, waitersSettledMs: Math.round(run.waitersSettledMs), frozenCloseMs: Math.round(run.frozenCloseMs) }, 'plain client: close() = terminate(), at once');
    expect(run.downCloseMs).toBeLessThan(1000);
    expect(run.waitersSettledMs).toBeLessThan(1000);
    expect(run.waiterCodes.every((c) => typeof c === 'string')).toBe(true);
    expect(run.frozenCloseMs).toBeLessThan(2000);
  });
});
