import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultUnderLoad, type FaultRun, startPrivateLineServer, waitUntil, type PrivateLineServer } from '@pool/testkit';
import { createTcpPool, exchange, type TcpPool, type TcpPoolOptions } from '../src/index.js';
import { PlainReconnectingSocket, requestPerSocket } from './helpers/plain-clients.js';

// Server faults on a real line server in its own process (restart, kill -9, SIGSTOP), measured side
// by side with what a user would otherwise write (a net.Socket per request; one reconnecting
// socket), same server, same run. Reliability rows 16, 17, 39 (restart, crash) and 40 (freeze).

let server: PrivateLineServer;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const measure = (row: string, ours: unknown, ...baselines: unknown[]) => console.log(`MEASURE ${row}\n  ours:     ${JSON.stringify(ours)}\n${baselines.map((b) => `  baseline: ${JSON.stringify(b)}`).join('\n')}`);
const ping: NonNullable<TcpPoolOptions['ping']> = async (socket, { signal }) => (await exchange(socket, 'PING', { signal })) === 'PONG';

beforeAll(async () => {
  server = await startPrivateLineServer();
});
afterAll(async () => {
  await server?.dispose();
});

function pool(options: TcpPoolOptions['pool'] = {}, extra: Partial<TcpPoolOptions> = {}): TcpPool {
  return createTcpPool({ host: '127.0.0.1', port: server.port, connectTimeoutMs: 2000, ...extra, pool: { max: 4, ...options } }) as TcpPool;
}

async function warm(p: TcpPool, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => p.request(`SLOW 30 ${i}`, { timeoutMs: 3000 })));
  expect(p.stats().idle).toBe(n);
}

async function untilSuccess(call: () => Promise<unknown>, limitMs = 8000): Promise<{ ms: number; failed: number; codes: string[] }> {
  const start = performance.now();
  const codes = new Set<string>();
  let failed = 0;
  for (;;) {
    try {
      await call();
      return { ms: Math.round(performance.now() - start), failed, codes: [...codes] };
    } catch (error) {
      failed++;
      codes.add(String((error as { code?: unknown }).code));
      if (performance.now() - start > limitMs) return { ms: Infinity, failed, codes: [...codes] };
      await sleep(10);
    }
  }
}

const summary = (r: FaultRun<unknown>, from: number) => ({
  calls: r.outcomes.length,
  failed: r.failures.length,
  codes: r.codes,
  untyped: r.withoutCode.length,
  longestMs: Math.round(r.longestMs),
  firstSuccessAfterMs: Math.round(Math.min(...r.outcomes.filter((o) => o.ok && o.end > from).map((o) => o.end)) - from),
});

describe.sequential('@pool/tcp against a real server process: frozen (SIGSTOP) (vs net.Socket per request and a reconnecting socket)', () => {
  for (const withPing of [false, true]) {
    it(`row 40: server frozen (SIGSTOP) 2 s under load (${withPing ? 'ping hook' : 'default check'}): every call settles by its deadline with a typed error, frozen sockets destroyed, recovery after SIGCONT`, async () => {
      const p = pool({ max: 4 }, withPing ? { ping } : {});
      const plain = new PlainReconnectingSocket(server.port);
      try {
        await warm(p, 4);
        await waitUntil(() => plain.opened >= 1, "the plain client to connect", 3000);
        const deadline = 1000;
        let thawedAt = 0;
        const freeze = async () => {
          server.freeze();
          await sleep(2000);
          server.thaw();
          thawedAt = performance.now();
        };
        const before = p.stats().totals;
        const opts = { callers: 8, settleMs: 2000 };
        const [ours, perSocket, reconnecting] = await Promise.all([
          faultUnderLoad(() => p.request('SLOW 5 x', { timeoutMs: deadline }), freeze, opts),
          faultUnderLoad(() => requestPerSocket(server.port, 'SLOW 5 x', deadline), () => sleep(2300), { ...opts, warmMs: 0 }),
          faultUnderLoad(() => plain.request('SLOW 5 x', deadline), () => sleep(2300), { ...opts, warmMs: 0 }),
        ]);
        const totals = p.stats().totals;
        measure(`row 40 freeze 2 s under load ${withPing ? 'ping' : 'no ping'} (deadline 1000 ms; first success after thaw)`, { ...summary(ours, thawedAt), destroyed: totals.destroyed - before.destroyed }, { perSocket: summary(perSocket, thawedAt) }, { reconnecting: { ...summary(reconnecting, thawedAt), opened: plain.opened } });
        expect(ours.withoutCode).toEqual([]);
        expect(ours.longestMs).toBeLessThan(deadline + 500);
        expect(totals.destroyed - before.destroyed).toBeGreaterThanOrEqual(4);
        expect(summary(ours, thawedAt).firstSuccessAfterMs).toBeLessThan(1500);
      } finally {
        server.thaw();
        plain.close();
        await p.close();
      }
    });
  }

  for (const withPing of [false, true]) {
    it(`row 40: server frozen while sockets sit idle (${withPing ? 'ping hook' : 'default check'}): the call settles by its deadline, the frozen socket is destroyed, recovery after SIGCONT`, async () => {
      const p = pool({ max: 2, validateAfterIdleMs: 200, validateTimeoutMs: 800 }, withPing ? { ping } : {});
      try {
        await warm(p, 2);
        await sleep(300);
        server.freeze();
        const started = performance.now();
        const error = await p.request('ECHO 1', { timeoutMs: 1500 }).catch((e: unknown) => e);
        const tookMs = performance.now() - started;
        await sleep(1000);
        server.thaw();
        const after = await untilSuccess(() => p.request('ECHO 2', { timeoutMs: 3000 }));
        measure(`row 40 freeze idle ${withPing ? 'ping' : 'no ping'} (deadline 1500 ms)`, { code: (error as { code?: unknown }).code, phase: (error as { phase?: unknown }).phase, tookMs: Math.round(tookMs), destroyed: p.stats().totals.destroyed, afterThaw: after }, 'per socket / reconnecting: the call waits for its own timer (connect succeeds: the kernel accepts)');
        expect((error as { code?: unknown }).code).toBe('POOL_TIMEOUT');
        expect(tookMs).toBeLessThan(1500 + 500);
        expect(p.stats().totals.destroyed).toBeGreaterThanOrEqual(1);
        expect(after.failed).toBe(0);
      } finally {
        server.thaw();
        await p.close();
      }
    });
  }
});
