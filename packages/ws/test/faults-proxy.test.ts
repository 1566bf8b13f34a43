import { describe, expect, it } from 'vitest';
import { useProxiedServer, waitUntil } from '@pool/testkit';
import { createWsPool, type WsPool } from '../src/index.js';
import { PlainReconnectingClient } from './helpers/plain-client.js';
import { startWsServer } from './helpers/ws-server.js';

// Network faults on the request() path (reliability rows 18, 19, 38): a reset mid-request, a
// blackhole with requests in flight then healed. The socket that lost data is never reused and the
// next caller is fine; measured beside a plain reconnecting `ws` client through the same proxy.

const { proxy } = useProxiedServer(() => startWsServer());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const url = () => `ws://${proxy().host}:${proxy().port}/`;
const codeOf = (e: unknown) => (e as { code?: unknown }).code;

describe('request() through a fault proxy', () => {
  it('row 19: a reset mid-request: that call gets WS_CLOSED at once, its socket is destroyed, the next call is fine', async () => {
    const pool = createWsPool({ url: url(), closeTimeoutMs: 300, pool: { max: 2 } });
    const plain = new PlainReconnectingClient(url());
    try {
      await pool.request({ op: 'echo', value: 0 }, { timeoutMs: 2000 });
      await waitUntil(() => plain.opened === 1, "the plain client to connect", 2000);
      const inFlight = pool.request({ op: 'slow', ms: 300, value: 1 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
      const plainInFlight = plain.request({ op: 'slow', ms: 300 }, 5000).catch((e: unknown) => e);
      await sleep(50);
      const resetAt = performance.now();
      proxy().resetAll();
      const error = await inFlight;
      const settledMs = performance.now() - resetAt;
      const next = await pool.request({ op: 'echo', value: 2 }, { timeoutMs: 2000 }).then(() => 'ok', codeOf);
      const plainError = await plainInFlight;
      const plainNext = await plain.request({ op: 'echo' }, 2000).then(() => 'ok', codeOf);
      console.log(`MEASURE row 19 reset mid-request\n  ours:     ${JSON.stringify({ code: codeOf(error), settledMs: Math.round(settledMs), destroyed: pool.stats().totals.destroyed, next })}\n  baseline: ${JSON.stringify({ code: codeOf(plainError), next: plainNext })}`);
      expect(codeOf(error)).toBe('WS_CLOSED');
      expect(settledMs).toBeLessThan(1000);
      expect(pool.stats().totals.destroyed).toBe(1);
      expect(next).toBe('ok');
    } finally {
      plain.close();
      await pool.close();
    }
  });

  for (const destroyOnTimeout of [true, false]) {
    it(`rows 18 and 38: a blackhole with a request in flight, then healed (destroyOnTimeout: ${destroyOnTimeout}): POOL_TIMEOUT by the deadline; the late reply reaches no one; the next call is fine`, async () => {
      const pool = createWsPool({ url: url(), closeTimeoutMs: 300, destroyOnTimeout, pool: { max: 1, validateAfterIdleMs: 60_000 } });
      const plain = new PlainReconnectingClient(url());
      try {
        await pool.request({ op: 'echo', value: 0 }, { timeoutMs: 2000 });
        await waitUntil(() => plain.opened === 1, "the plain client to connect", 2000);
        proxy().blackhole(true);
        const started = performance.now();
        const error = await pool.request({ op: 'echo', value: 'lost' }, { timeoutMs: 500 }).catch((e: unknown) => e);
        const tookMs = performance.now() - started;
        const plainError = await plain.request({ op: 'echo', value: 'lost' }, 500).catch((e: unknown) => e);
        proxy().blackhole(false);
        await sleep(200); // the held bytes (the late replies) are delivered now
        const next = await pool.request({ op: 'echo', value: 'next' }, { timeoutMs: 2000 });
        const plainNext = await plain.request({ op: 'echo', value: 'next' }, 2000);
        console.log(`MEASURE rows 18/38 blackhole then healed (destroyOnTimeout ${destroyOnTimeout})\n  ours:     ${JSON.stringify({ code: codeOf(error), tookMs: Math.round(tookMs), destroyed: pool.stats().totals.destroyed, dropped: pool.droppedReplies, next })}\n  baseline: ${JSON.stringify({ code: codeOf(plainError), next: plainNext, reconnects: plain.opened - 1 })}`);
        expect(codeOf(error)).toBe('POOL_TIMEOUT');
        expect(tookMs).toBeLessThan(500 + 500);
        expect((next as { echo?: unknown }).echo).toBe('next');
        if (destroyOnTimeout) expect(pool.stats().totals.destroyed).toBe(1);
        else expect(pool.droppedReplies).toBe(1);
      } finally {
        plain.close();
        await pool.close();
      }
    });
  }

  it('row 18: a blackhole while sockets sit idle: the ping gets no pong, the caller gets a typed error by its deadline, the socket is destroyed; after healing calls succeed', async () => {
    const pool = createWsPool({ url: url(), closeTimeoutMs: 300, handshakeTimeoutMs: 1000, pool: { max: 1, validateAfterIdleMs: 100, validateTimeoutMs: 400 } });
    try {
      await pool.request({ op: 'echo', value: 0 }, { timeoutMs: 2000 });
      await sleep(200);
      proxy().blackhole(true);
      const started = performance.now();
      const error = await pool.request({ op: 'echo', value: 1 }, { timeoutMs: 1500 }).catch((e: unknown) => e);
      const tookMs = performance.now() - started;
      await sleep(300);
      proxy().blackhole(false);
      const next = await pool.request({ op: 'echo', value: 'next' }, { timeoutMs: 3000 });
      // POOL_TIMEOUT, or POOL_CREATE_FAILED when the replacement's handshake (1000 ms) timed out first
      expect(['POOL_TIMEOUT', 'POOL_CREATE_FAILED']).toContain(codeOf(error));
      expect(tookMs).toBeLessThan(1500 + 500);
      expect(pool.stats().totals.validationFailures).toBeGreaterThanOrEqual(1);
      expect((next as { echo?: unknown }).echo).toBe('next');
    } finally {
      await pool.close();
    }
  });

  it('a request that timed out on a silent peer (blackhole): its socket is terminated at once, not sent a close frame the peer will not answer; close() right after resolves at once', async () => {
    const pool = createWsPool({ url: url(), closeTimeoutMs: 2000, pool: { max: 1 } });
    await pool.request({ op: 'echo', value: 0 }, { timeoutMs: 2000 });
    proxy().blackhole(true);
    const error = await pool.request({ op: 'echo', value: 1 }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('POOL_TIMEOUT');
    const started = performance.now();
    await pool.close();
    const closeMs = performance.now() - started;
    console.log(`MEASURE close() after a timed-out request on a silent peer (closeTimeoutMs 2000)\n  ours:     ${JSON.stringify({ closeMs: Math.round(closeMs) })}\n  baseline: plain client: terminate() at once`);
    expect(closeMs).toBeLessThan(1000);
  });

  it('close({ timeoutMs }) with a request in flight on a silent peer: the call rejects WS_CLOSED and close() resolves by timeoutMs, not timeoutMs + closeTimeoutMs', async () => {
    const pool = createWsPool({ url: url(), closeTimeoutMs: 2000, pool: { max: 1 } });
    await pool.request({ op: 'echo', value: 0 }, { timeoutMs: 2000 });
    proxy().blackhole(true);
    const inFlight = pool.request({ op: 'echo', value: 1 }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await sleep(50);
    const started = performance.now();
    await pool.close({ timeoutMs: 300 });
    const closeMs = performance.now() - started;
    const error = await inFlight;
    const settledMs = performance.now() - started;
    console.log(`MEASURE close({ timeoutMs: 300 }) with a request in flight on a silent peer (closeTimeoutMs 2000)\n  ours:     ${JSON.stringify({ closeMs: Math.round(closeMs), callSettledMs: Math.round(settledMs), code: codeOf(error) })}`);
    expect(codeOf(error)).toBe('WS_CLOSED');
    expect(closeMs).toBeLessThan(300 + 700);
    expect(settledMs).toBeLessThan(300 + 700);
  });
});
