// A PoolCluster borrow going round nodes that all refuse at once (removeNodeErrorCount: Infinity): its
// tries are paced by @pool/core's backoff past the first round, so a caller waiting on such a cluster
// costs next to no CPU (mysql2 retries at once, for ever), is served within about half a second once a
// node is back, and still fails by its deadline with the connect error.
import { requireService, startFaultProxy, type FaultProxy } from '@pool/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPoolCluster } from '../../src/index.js';
import { RetryPace, retryMaxDelayMs } from '../../src/pool-cluster-pace.js';
import { connectionOptions } from '../helpers.js';
import { borrow, bothClusters, endCluster } from './harness.js';

const service = await requireService('mysql');

/** What refusingCluster needs of a cluster (mysql2's or ours). */
interface ClusterLike {
  on(event: 'warn', listener: () => void): unknown;
  add(id: string, config: object): void;
}

describe('RetryPace (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('the first round of the online nodes goes a turn of the event loop apart; later tries wait the core backoff, doubling up to 500 ms; a deadline cuts the pause short and ends the tries; an abort wakes it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    vi.spyOn(Math, 'random').mockReturnValue(1); // backoffDelay's jitter at its top: the full exponential
    const pace = new RetryPace();
    const waited: number[] = [];
    const pauseFor = async (deadline?: number, signals: AbortSignal[] = []): Promise<{ ms: number; more: boolean }> => {
      const start = performance.now();
      const pausing = pace.pause(2, deadline, signals);
      await vi.runAllTimersAsync();
      return { ms: performance.now() - start, more: await pausing };
    };
    for (let i = 0; i < 9; i++) waited.push((await pauseFor()).ms);
    expect(waited).toEqual([0, 0, 10, 20, 40, 80, 160, 320, retryMaxDelayMs]);
    // 300 ms left of a 500 ms pause: the pause ends at the deadline and says no more tries
    expect(await pauseFor(performance.now() + 300)).toEqual({ ms: 300, more: false });
    expect(await pauseFor(performance.now())).toEqual({ ms: 0, more: false });
    // the caller's abort (or the cluster's end) wakes the pause at once, for the next try to see it
    const controller = new AbortController();
    const start = performance.now();
    const pausing = pace.pause(2, undefined, [undefined, controller.signal]);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    expect(await pausing).toBe(true);
    expect(performance.now() - start).toBe(50);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe.skipIf(!service.available)('PoolCluster retrying over nodes that refuse at once (removeNodeErrorCount: Infinity), side by side with mysql2', () => {
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  /**
   * A cluster made by `create` ({ removeNodeErrorCount: Infinity }) of two nodes A and B in front of the shared
   * server whose connects are refused (ECONNREFUSED), as two servers that are down; `tries()` counts its 'warn's.
   */
  async function refusingCluster<C extends ClusterLike>(create: (options: { removeNodeErrorCount: number }) => C): Promise<{ cluster: C; a: FaultProxy; tries: () => number }> {
    const base = connectionOptions();
    const [a, b] = await Promise.all([startFaultProxy({ host: base.host!, port: base.port! }), startFaultProxy({ host: base.host!, port: base.port! })]);
    proxies.push(a, b);
    await Promise.all([a.refuse(true), b.refuse(true)]);
    const cluster = create({ removeNodeErrorCount: Infinity });
    let tries = 0;
    cluster.on('warn', () => tries++);
    cluster.add('A', { ...connectionOptions(a), connectionLimit: 2 });
    cluster.add('B', { ...connectionOptions(b), connectionLimit: 2 });
    return { cluster, a, tries: () => tries };
  }

  it('a borrow waiting on them: mysql2 retries at once (hundreds of tries, and CPU, in two seconds); ours paces its tries (a few a second), and is served within about half a second once a node is back', async () => {
    const { mysql2, ours } = await bothClusters(async (c) => {
      const { cluster, a, tries } = await refusingCluster((options) => c.callbackCluster(options));
      const borrowing = borrow(cluster, '*');
      const cpu = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const { user, system } = process.cpuUsage(cpu);
      const triesWhileDown = tries();
      await a.refuse(false);
      const back = performance.now();
      const { error, connection } = await borrowing;
      const servedAfterMs = performance.now() - back;
      connection?.release();
      await endCluster(cluster);
      // for the report (test output): the CPU this process spent while the one borrow waited
      console.log(`${c.name}: ${triesWhileDown} tries in 2 s, ${Math.round((user + system) / 1000)} ms CPU`);
      return { served: error === null ? (connection as unknown as { _clusterId: string })._clusterId : error.code, triesWhileDown, servedAfterMs };
    });
    expect(mysql2.served).toBe('A');
    expect(mysql2.triesWhileDown).toBeGreaterThan(100);
    expect(ours.served).toBe('A');
    // 2 at once, then 10, 20, 40 ... ms apart with jitter, 250-500 ms once at the cap: at most 16 in 2 s
    expect(ours.triesWhileDown).toBeGreaterThan(3);
    expect(ours.triesWhileDown).toBeLessThanOrEqual(16);
    // a pause of at most 500 ms, then a connect (loose bound for a loaded machine)
    expect(ours.servedAfterMs).toBeLessThan(2500);
  }, 30_000);

  it('with a per-call timeoutMs, ours fails the borrow by its deadline with the connect error, a pause cut short at the deadline', async () => {
    const { cluster, tries } = await refusingCluster(createPoolCluster);
    try {
      const started = performance.now();
      const error = await cluster.getConnection('*', undefined, { timeoutMs: 1200 }).then(() => undefined, (e: unknown) => e);
      const ms = performance.now() - started;
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(ms).toBeGreaterThanOrEqual(1150);
      expect(ms).toBeLessThan(2500);
      expect(tries()).toBeLessThanOrEqual(14);
    } finally {
      await cluster.end();
    }
  });

  it('many borrows pausing at once (each waiting on the cluster\'s end, some on one shared signal) add one abort listener per signal, not one each: no MaxListenersExceededWarning', async () => {
    const { cluster, tries } = await refusingCluster(createPoolCluster);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const shutdown = new AbortController(); // a service's one shutdown signal, passed to every call
    try {
      const borrowing = Array.from({ length: 15 }, () => cluster.getConnection('*', undefined, { signal: shutdown.signal, timeoutMs: 1_500 }).then(() => undefined, (e: unknown) => e));
      // every borrow past its first round of the two nodes: all pausing between tries at once
      await vi.waitFor(() => expect(tries()).toBeGreaterThanOrEqual(15 * 4), { timeout: 10_000, interval: 20 });
      shutdown.abort();
      for (const error of await Promise.all(borrowing)) expect(error).toMatchObject({ code: 'POOL_ABORTED' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await cluster.end();
    }
  });

  it('end() while a borrow pauses between tries fails it with POOL_CLOSED', async () => {
    const { cluster, tries } = await refusingCluster(createPoolCluster);
    const borrowing = cluster.getConnection('*').then(() => undefined, (e: unknown) => e);
    await vi.waitFor(() => expect(tries()).toBeGreaterThanOrEqual(8), { timeout: 10_000, interval: 20 });
    await cluster.end();
    expect(await borrowing).toMatchObject({ code: 'POOL_CLOSED' });
  });
});
