import { describe, expect, it } from 'vitest';
import { callsAfterRestart, callsAfterRestartSummary, closeDuringOutage, expectNoFailureAfterRestart, faultUnderLoad, logMeasure, untilSuccess, withBaseline } from '@pool/testkit';
import { PlainReconnectingSocket, requestPerSocket } from './helpers/plain-clients.js';
import { ping, pool, server, sleep, summary, useLineServer, warm } from './helpers/line-server-faults.js';

// Server faults on a real line server in its own process (restart, kill -9, SIGSTOP), measured side
// by side with what a user would otherwise write (a net.Socket per request; one reconnecting
// socket), same server, same run. Reliability rows 16, 17, 39 (restart, crash) and 40 (freeze).

useLineServer();

describe.sequential('@pool/tcp against a real server process: restart and crash; shutdown during an outage (vs net.Socket per request and a reconnecting socket)', () => {
  for (const [kill, withPing] of [[false, false], [true, false], [true, true]] as const) {
    it(`row 16: server ${kill ? 'killed (SIGKILL)' : 'restarted (SIGTERM)'} while sockets sit idle (${withPing ? 'ping hook' : 'default check'}): no call fails after it is back`, async () => {
      const p = pool({}, withPing ? { ping } : {});
      const plain = new PlainReconnectingSocket(server().port);
      await withBaseline(p, () => warm(p, 4), plain, async () => {
        await server().restart({ downMs: 1500, kill });
        const ours = await callsAfterRestart((n) => p.request(`ECHO ${n}`, { timeoutMs: 3000 }));
        const perSocket = await untilSuccess(() => requestPerSocket(server().port, 'ECHO 1', 3000));
        const reconnecting = await untilSuccess(() => plain.request('ECHO 1', 3000));
        logMeasure(`row 16 idle ${kill ? 'kill' : 'restart'} ${withPing ? 'ping' : 'no ping'} (ms from ready to first success, failures before it)`, callsAfterRestartSummary(ours), { perSocket }, { reconnecting });
        expectNoFailureAfterRestart(ours);
      });
    });
  }

  it('row 17: server killed and back 1.5 s later under load: every failure typed, no call outlives its deadline, first success soon after it is back', async () => {
    const p = pool({ max: 4 });
    const plain = new PlainReconnectingSocket(server().port);
    await withBaseline(p, () => warm(p, 4), plain, async () => {
      const deadline = 1000;
      const opts = { callers: 8, warmMs: 300, settleMs: 1500 };
      const [ours, perSocket, reconnecting] = await Promise.all([
        faultUnderLoad(() => p.request('SLOW 5 x', { timeoutMs: deadline }), () => server().restart({ downMs: 1500, kill: true }), opts),
        faultUnderLoad(() => requestPerSocket(server().port, 'SLOW 5 x', deadline), () => sleep(2000), { ...opts, warmMs: 0 }),
        faultUnderLoad(() => plain.request('SLOW 5 x', deadline), () => sleep(2000), { ...opts, warmMs: 0 }),
      ]);
      const readyAt = ours.fault.readyAt;
      logMeasure('row 17 kill under load (deadline 1000 ms; first success after ready)', summary(ours, readyAt), { perSocket: summary(perSocket, readyAt) }, { reconnecting: summary(reconnecting, readyAt) });
      expect(ours.withoutCode).toEqual([]);
      expect(ours.longestMs).toBeLessThan(deadline + 500);
      expect(summary(ours, readyAt).firstSuccessAfterMs).toBeLessThan(500);
    });
  });

  it('row 17: callers whose deadline outlasts the outage (killed, back 1.5 s later; deadline 4 s) wait through it and succeed; only the calls in flight at the crash fail', async () => {
    const p = pool({ max: 4 });
    try {
      await warm(p, 4);
      const opts = { callers: 8, warmMs: 300, settleMs: 1000 };
      const [ours, perSocket] = await Promise.all([
        faultUnderLoad(() => p.request('SLOW 5 x', { timeoutMs: 4000 }), () => server().restart({ downMs: 1500, kill: true }), opts),
        faultUnderLoad(() => requestPerSocket(server().port, 'SLOW 5 x', 4000), () => sleep(2000), { ...opts, warmMs: 0 }),
      ]);
      const { downAt, readyAt } = ours.fault;
      const waited = ours.outcomes.filter((o) => o.ok && o.start < readyAt && o.end > readyAt).length;
      logMeasure('row 17 kill under load, deadline 4000 ms (longer than the outage)', { ...summary(ours, readyAt), waitedThrough: waited }, { perSocket: summary(perSocket, readyAt) });
      // only the calls in flight when the server died fail (their request had left): none started during the outage
      expect(Object.keys(ours.codes)).toEqual(['TCP_CLOSED']);
      // at most one per caller: a socket whose reply came in just before the crash can be lent once more before its close is read
      expect(ours.failures.length).toBeLessThanOrEqual(8);
      expect(ours.failures.every((f) => f.start < downAt)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(4);
      expect(ours.longestMs).toBeLessThan(4000);
    } finally {
      await p.close();
    }
  });

  it('shutdown during an outage: close() settles promptly (server down with callers waiting; server frozen with idle sockets and a call in flight)', async () => {
    const run = await closeDuringOutage(server(), () => warm(pool({ max: 2 }), 2), (p, n) => p.request(`ECHO ${n}`, { timeoutMs: 10_000 }));
    logMeasure('shutdown during outage', { downCloseMs: Math.round(run.downCloseMs), waiterCodes: run.waiterCodes, waitersSettledMs: Math.round(run.waitersSettledMs), frozenCloseMs: Math.round(run.frozenCloseMs) }, 'socket.destroy(): at once');
    expect(run.downCloseMs).toBeLessThan(1000);
    expect(run.waitersSettledMs).toBeLessThan(1000);
    expect(run.waiterCodes.every((c) => typeof c === 'string')).toBe(true);
    expect(run.frozenCloseMs).toBeLessThan(1000);
  });
});
