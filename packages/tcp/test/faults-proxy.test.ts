import { describe, expect, it } from 'vitest';
import { useProxiedServer, waitUntil } from '@pool/testkit';
import { createTcpPool, exchange, type TcpPoolOptions } from '../src/index.js';
import { PlainReconnectingSocket, requestPerSocket } from './helpers/plain-clients.js';
import { startLineServer } from './helpers/line-server.js';

// Network faults on the request() path (reliability rows 18, 19, 38): a reset mid-request, a
// blackhole with a request in flight then healed. The socket that lost data is never reused and the
// next caller is fine; measured beside a net.Socket per request and a reconnecting socket, through the same proxy.

const { proxy } = useProxiedServer(() => startLineServer());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (e: unknown) => (e as { code?: unknown }).code;
const ping: NonNullable<TcpPoolOptions['ping']> = async (socket, { signal }) => (await exchange(socket, 'PING', { signal })) === 'PONG';

describe('request() through a fault proxy', () => {
  it('row 19: a reset mid-request: that call gets TCP_CLOSED at once, its socket is destroyed, the next call is fine', async () => {
    const pool = createTcpPool({ host: proxy().host, port: proxy().port, pool: { max: 2 } });
    const plain = new PlainReconnectingSocket(proxy().port);
    try {
      await pool.request('ECHO 0', { timeoutMs: 2000 });
      await waitUntil(() => plain.opened === 1, "the plain client to connect", 2000);
      const inFlight = pool.request('SLOW 300 x', { timeoutMs: 5000 }).catch((e: unknown) => e);
      const plainInFlight = plain.request('SLOW 300 x', 5000).catch((e: unknown) => e);
      const perSocketInFlight = requestPerSocket(proxy().port, 'SLOW 300 x', 5000).catch((e: unknown) => e);
      await sleep(50);
      const resetAt = performance.now();
      proxy().resetAll();
      const error = await inFlight;
      const settledMs = performance.now() - resetAt;
      const next = await pool.request('ECHO 2', { timeoutMs: 2000 }).catch(codeOf);
      const baseline = { reconnecting: codeOf(await plainInFlight), reconnectingNext: await plain.request('ECHO 2', 2000).catch(codeOf), perSocket: codeOf(await perSocketInFlight) };
      console.log(`MEASURE row 19 reset mid-request\n  ours:     ${JSON.stringify({ code: codeOf(error), settledMs: Math.round(settledMs), destroyed: pool.stats().totals.destroyed, next })}\n  baseline: ${JSON.stringify(baseline)}`);
      expect(codeOf(error)).toBe('TCP_CLOSED');
      expect(settledMs).toBeLessThan(1000);
      expect(pool.stats().totals.destroyed).toBe(1);
      expect(next).toBe('2');
    } finally {
      plain.close();
      await pool.close();
    }
  });

  it('rows 18 and 38: a blackhole with a request in flight, then healed: POOL_TIMEOUT by the deadline, that socket destroyed (its late reply reaches no one), the next call gets its own reply', async () => {
    const pool = createTcpPool({ host: proxy().host, port: proxy().port, pool: { max: 1, validateAfterIdleMs: 60_000 } });
    try {
      await pool.request('ECHO 0', { timeoutMs: 2000 });
      proxy().blackhole(true);
      const started = performance.now();
      const error = await pool.request('ECHO lost', { timeoutMs: 500 }).catch((e: unknown) => e);
      const tookMs = performance.now() - started;
      proxy().blackhole(false);
      await sleep(200);
      const next = await pool.request('ECHO next', { timeoutMs: 2000 });
      console.log(`MEASURE rows 18/38 blackhole then healed\n  ours:     ${JSON.stringify({ code: codeOf(error), tookMs: Math.round(tookMs), destroyed: pool.stats().totals.destroyed, next })}`);
      expect(codeOf(error)).toBe('POOL_TIMEOUT');
      expect(tookMs).toBeLessThan(500 + 500);
      expect(pool.stats().totals.destroyed).toBe(1);
      expect(next).toBe('next');
    } finally {
      await pool.close();
    }
  });

  it('row 18: a blackhole while sockets sit idle (ping hook): the caller gets a typed error by its deadline, the unanswered socket is destroyed; after healing calls succeed', async () => {
    const pool = createTcpPool({ host: proxy().host, port: proxy().port, ping, connectTimeoutMs: 1000, pool: { max: 1, validateAfterIdleMs: 100, validateTimeoutMs: 400 } });
    try {
      await pool.request('ECHO 0', { timeoutMs: 2000 });
      await sleep(200);
      proxy().blackhole(true);
      const started = performance.now();
      const error = await pool.request('ECHO 1', { timeoutMs: 1500 }).catch((e: unknown) => e);
      const tookMs = performance.now() - started;
      await sleep(300);
      proxy().blackhole(false);
      await sleep(100);
      const next = await pool.request('ECHO next', { timeoutMs: 3000 });
      console.log(`MEASURE row 18 blackhole idle (ping)\n  ours:     ${JSON.stringify({ code: codeOf(error), phase: (error as { phase?: unknown }).phase, tookMs: Math.round(tookMs), validationFailures: pool.stats().totals.validationFailures, next })}`);
      expect(typeof codeOf(error)).toBe('string');
      expect(tookMs).toBeLessThan(1500 + 500);
      expect(pool.stats().totals.validationFailures).toBeGreaterThanOrEqual(1);
      expect(next).toBe('next');
    } finally {
      await pool.close();
    }
  });
});
