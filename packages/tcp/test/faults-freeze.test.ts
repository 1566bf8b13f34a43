import { describe, expect, it } from 'vitest';
import { callIntoIdleFreeze, expectIdleFreezeRecovered, faultUnderLoad, freezeFor, idleFreezeSummary, logMeasure, withBaseline } from '@pool/testkit';
import { PlainReconnectingSocket, requestPerSocket } from './helpers/plain-clients.js';
import { ping, pool, server, sleep, summary, useLineServer, warm } from './helpers/line-server-faults.js';

// Server faults on a real line server in its own process (restart, kill -9, SIGSTOP), measured side
// by side with what a user would otherwise write (a net.Socket per request; one reconnecting
// socket), same server, same run. Reliability rows 16, 17, 39 (restart, crash) and 40 (freeze).

useLineServer();

describe.sequential('@pool/tcp against a real server process: frozen (SIGSTOP) (vs net.Socket per request and a reconnecting socket)', () => {
  for (const withPing of [false, true]) {
    it(`row 40: server frozen (SIGSTOP) 2 s under load (${withPing ? 'ping hook' : 'default check'}): every call settles by its deadline with a typed error, frozen sockets destroyed, recovery after SIGCONT`, async () => {
      const p = pool({ max: 4 }, withPing ? { ping } : {});
      const plain = new PlainReconnectingSocket(server().port);
      try {
        await withBaseline(p, () => warm(p, 4), plain, async () => {
          const deadline = 1000;
          const before = p.stats().totals;
          const opts = { callers: 8, settleMs: 2000 };
          const [ours, perSocket, reconnecting] = await Promise.all([
            faultUnderLoad(() => p.request('SLOW 5 x', { timeoutMs: deadline }), () => freezeFor(server(), 2000), opts),
            faultUnderLoad(() => requestPerSocket(server().port, 'SLOW 5 x', deadline), () => sleep(2300), { ...opts, warmMs: 0 }),
            faultUnderLoad(() => plain.request('SLOW 5 x', deadline), () => sleep(2300), { ...opts, warmMs: 0 }),
          ]);
          const thawedAt = ours.fault;
          const totals = p.stats().totals;
          logMeasure(`row 40 freeze 2 s under load ${withPing ? 'ping' : 'no ping'} (deadline 1000 ms; first success after thaw)`, { ...summary(ours, thawedAt), destroyed: totals.destroyed - before.destroyed }, { perSocket: summary(perSocket, thawedAt) }, { reconnecting: { ...summary(reconnecting, thawedAt), opened: plain.opened } });
          expect(ours.withoutCode).toEqual([]);
          expect(ours.longestMs).toBeLessThan(deadline + 500);
          expect(totals.destroyed - before.destroyed).toBeGreaterThanOrEqual(4);
          expect(summary(ours, thawedAt).firstSuccessAfterMs).toBeLessThan(1500);
        });
      } finally {
        server().thaw();
      }
    });
  }

  for (const withPing of [false, true]) {
    it(`row 40: server frozen while sockets sit idle (${withPing ? 'ping hook' : 'default check'}): the call settles by its deadline, the frozen socket is destroyed, recovery after SIGCONT`, async () => {
      const p = pool({ max: 2, validateAfterIdleMs: 200, validateTimeoutMs: 800 }, withPing ? { ping } : {});
      try {
        await warm(p, 2);
        const run = await callIntoIdleFreeze(server(), (n, timeoutMs) => p.request(`ECHO ${n}`, { timeoutMs }));
        logMeasure(`row 40 freeze idle ${withPing ? 'ping' : 'no ping'} (deadline 1500 ms)`, { ...idleFreezeSummary(run), destroyed: p.stats().totals.destroyed }, 'per socket / reconnecting: the call waits for its own timer (connect succeeds: the kernel accepts)');
        expectIdleFreezeRecovered(run, p.stats().totals.destroyed);
      } finally {
        server().thaw();
        await p.close();
      }
    });
  }
});
