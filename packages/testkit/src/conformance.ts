import { createPool, isPoolError, type Pool, type PoolOptions, type ResourceProvider } from '@pool/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type ProxyTarget } from './fault-proxy.js';
import { statsViolations } from './pool-invariants.js';
import { waitUntil, within } from './wait-until.js';

/** What an adapter gives {@link runConformance}. */
export interface ConformanceOptions<R> {
  /** The describe() title, e.g. '@pool/pg'. */
  name: string;
  /** Builds a provider aimed at host:port (the fault proxy in front of the real server). */
  provider: (target: ProxyTarget) => ResourceProvider<R>;
  /** The real server. Called in beforeAll, so an in-process server started there works. */
  upstream: () => ProxyTarget;
  /** One request/response on the resource; resolves on a healthy one, rejects otherwise. */
  roundTrip: (resource: R) => Promise<void>;
  /** Kills the resource's connection from the server side (pg_terminate_backend, KILL, CLIENT KILL...). */
  killServerSide?: (resource: R) => Promise<void>;
  /** When set, the suite is skipped and this reason printed (a service unavailable locally). */
  skip?: string | undefined;
  /** Merged over the suite's small timeouts, for adapters whose handshake needs longer. */
  poolOptions?: PoolOptions;
}

/** Timing the suite holds every adapter to. Exported so adapter READMEs can quote it. */
export const conformanceTiming = {
  /**
   * How late past its deadline an acquire may settle. Generous: the suites run side by side on busy
   * CI machines, where a timer can fire hundreds of ms late (@pool/core's fake-timer tests pin the
   * pool's own timing); still far below the 5 s `acquireTimeoutMs` a missed per-call deadline would wait.
   */
  slackMs: 1000,
  /** Acquire deadline used while the upstream is down or blackholed. */
  faultAcquireTimeoutMs: 1200,
  /** Longest a recovery (first successful roundTrip after the fault is lifted) may take. */
  recoveryMs: 5000,
  /** Per-test limit. */
  testTimeoutMs: 20_000,
} as const;

const baseOptions: PoolOptions = {
  min: 0,
  max: 2,
  acquireTimeoutMs: 5000,
  createTimeoutMs: 800,
  validateTimeoutMs: 300,
  resetTimeoutMs: 1000,
  destroyTimeoutMs: 1000,
  validateAfterIdleMs: 0,
  retry: { minDelayMs: 20, maxDelayMs: 200 },
  failFast: false,
};

/**
 * Registers the provider conformance suite as a vitest `describe` block: create and reuse, dead
 * connections detected by validate (server close, reset, server-side kill), an upstream outage with
 * typed errors by the deadline and a recovery, a blackhole bounded by the timeouts (held connections
 * never reused), resets under concurrent traffic, and stats consistent after every case with close()
 * leaving nothing open. Each case builds its own pool on a fault proxy in front of `upstream()`.
 *
 * ```ts
 * runConformance({
 *   name: '@pool/pg',
 *   provider: (target) => pgProvider({ ...config, host: target.host, port: target.port }),
 *   upstream: () => serviceAddress('pg'),
 *   roundTrip: async (client) => { await client.query('SELECT 1'); },
 *   killServerSide: (client) => terminate(client.processID),
 *   skip: svc.available ? undefined : svc.reason,
 * });
 * ```
 */
export function runConformance<R>(options: ConformanceOptions<R>): void {
  const title = `${options.name}: provider conformance`;
  const skipped = options.skip !== undefined;
  if (skipped) console.warn(`\n!!! SKIPPED ${title}: ${options.skip}\n`);
  // a skipped suite still lists every case, marked skipped with the reason, never as passed
  const block = skipped ? describe.skip : describe;

  block(skipped ? `${title} (skipped: ${options.skip})` : title, () => {
    let proxy: FaultProxy;
    let current: Harness<R> | undefined;

    beforeAll(async () => {
      proxy = await startFaultProxy(options.upstream());
    });
    afterAll(async () => {
      await proxy?.close();
    });
    afterEach(async () => {
      // a failed case still closes its pool and lifts its faults, so the next starts clean
      const harness = current;
      current = undefined;
      await proxy.heal();
      if (harness !== undefined && !harness.pool.stats().closed) await harness.pool.close({ timeoutMs: 1000 });
    });

    /** A pool on the proxy, with its destroyed resources and reported errors recorded. */
    function open(overrides: PoolOptions = {}): Harness<R> {
      const provider = options.provider({ host: proxy.host, port: proxy.port });
      const pool = createPool(provider, { ...baseOptions, ...options.poolOptions, ...overrides, name: `conformance:${options.name}` });
      const harness: Harness<R> = { pool, destroyed: new Set(), handedOut: [], errors: [] };
      pool.on('destroy', (event) => harness.destroyed.add(event.resource));
      pool.on('acquire', (event) => harness.handedOut.push(event.resource));
      pool.on('error', (error) => harness.errors.push(error));
      current = harness;
      return harness;
    }

    /** Checks the accounting, closes the pool, and checks that nothing is left: no resource, no connection. */
    async function finish(harness: Harness<R>): Promise<void> {
      const { pool } = harness;
      await waitUntil(() => pool.stats().creating === 0, 'creates in flight to finish', conformanceTiming.recoveryMs);
      expect(statsViolations(pool.stats())).toEqual([]);
      await within(pool.close({ timeoutMs: 2000 }), 4000, 'pool.close()');
      const stats = pool.stats();
      expect(stats.size).toBe(0);
      expect(stats.totals.created).toBe(stats.totals.destroyed);
      await waitUntil(() => proxy.connectionCount() === 0, 'every connection to close after pool.close()', 3000);
      await expect(pool.acquire()).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_CLOSED'));
    }

    async function warm(harness: Harness<R>): Promise<R> {
      return harness.pool.use(async (resource) => {
        await options.roundTrip(resource);
        return resource;
      });
    }

    const timeout = conformanceTiming.testTimeoutMs;

    it('creates a resource, round-trips, and reuses the same one', async () => {
      const harness = open({ max: 1 });
      const first = await harness.pool.acquire();
      await options.roundTrip(first.resource);
      first.release();
      const second = await harness.pool.acquire();
      expect(second.resource).toBe(first.resource);
      await options.roundTrip(second.resource);
      second.release();
      expect(harness.pool.stats().totals.created).toBe(1);
      expect(proxy.connectionCount()).toBe(1);
      await finish(harness);
    }, timeout);

    for (const fault of ['closeAll', 'resetAll'] as const) {
      it(`row 16: validate detects connections the proxy dropped (${fault}) and hands out a fresh one, no error to the caller`, async () => {
        const harness = open({ max: 1 });
        const stale = await warm(harness);
        proxy[fault]();
        await waitUntil(() => proxy.connectionCount() === 0, 'the proxy to drop its connections');
        const fresh = await harness.pool.use(async (resource) => {
          await options.roundTrip(resource);
          return resource;
        });
        expect(fresh).not.toBe(stale);
        expect(harness.destroyed.has(stale)).toBe(true);
        await finish(harness);
      }, timeout);
    }

    it.skipIf(options.killServerSide === undefined)('row 16: replaces a resource the server killed; the next acquire works', async () => {
      const harness = open({ max: 1 });
      const lease = await harness.pool.acquire();
      const killed = lease.resource;
      await options.roundTrip(killed);
      await options.killServerSide!(killed);
      lease.release();
      const fresh = await harness.pool.use(async (resource) => {
        await options.roundTrip(resource);
        return resource;
      });
      expect(fresh).not.toBe(killed);
      expect(harness.destroyed.has(killed)).toBe(true);
      await finish(harness);
    }, timeout);

    it('row 17: upstream down (refused, connections closed): acquires fail with a pool error by their deadline, then the pool recovers', async () => {
      const harness = open();
      await warm(harness);
      await proxy.refuse(true);
      proxy.closeAll();
      await waitUntil(() => proxy.connectionCount() === 0, 'the proxy to drop its connections');
      const deadline = conformanceTiming.faultAcquireTimeoutMs;
      const outcomes = await Promise.all([0, 1, 2].map(() => timed(harness.pool.acquire({ timeoutMs: deadline }))));
      for (const outcome of outcomes) {
        expect(outcome.error, 'acquire must fail while the upstream is down').toBeDefined();
        expect(isPoolError(outcome.error), `expected a PoolError, got ${String(outcome.error)}`).toBe(true);
        expect(outcome.ms).toBeLessThanOrEqual(deadline + conformanceTiming.slackMs);
      }
      await proxy.refuse(false);
      const started = performance.now();
      await harness.pool.use((resource) => options.roundTrip(resource), { timeoutMs: conformanceTiming.recoveryMs });
      expect(performance.now() - started).toBeLessThan(conformanceTiming.recoveryMs);
      await finish(harness);
    }, timeout);

    it('rows 18 and 38: blackhole: validate and acquire time out within their deadline; after healing, held connections are not reused', async () => {
      const harness = open({ max: 1 });
      const held = await warm(harness);
      proxy.blackhole(true);
      const deadline = conformanceTiming.faultAcquireTimeoutMs;
      const outcome = await timed(harness.pool.acquire({ timeoutMs: deadline }));
      expect(outcome.ms).toBeLessThanOrEqual(deadline + conformanceTiming.slackMs);
      if (outcome.error !== undefined) {
        expect(isPoolError(outcome.error), `expected a PoolError, got ${String(outcome.error)}`).toBe(true);
      } else {
        // a provider whose create is a bare TCP connect may get a new resource through the blackhole; never the held one
        expect(outcome.value!.resource).not.toBe(held);
        outcome.value!.destroy('blackholed');
      }
      expect(harness.destroyed.has(held), 'the resource whose ping got no answer must be destroyed').toBe(true);
      const handedBefore = harness.handedOut.length;
      proxy.blackhole(false);
      const fresh = await harness.pool.use(async (resource) => {
        await options.roundTrip(resource);
        return resource;
      }, { timeoutMs: conformanceTiming.recoveryMs });
      expect(fresh).not.toBe(held);
      expect(harness.handedOut.slice(handedBefore)).not.toContain(held);
      await finish(harness);
    }, timeout);

    it('row 19: resets under concurrent traffic: every call settles, later calls succeed, stats stay consistent', async () => {
      const harness = open({ max: 3 });
      // slow replies keep all three connections busy, so the reset lands while calls are in flight
      // (in a connect or mid-request), never on an idle pool
      proxy.setLatency(200);
      const acceptedBefore = proxy.acceptedCount();
      const calls = Array.from({ length: 24 }, () => timed(harness.pool.use((resource) => options.roundTrip(resource))));
      await waitUntil(() => proxy.connectionCount() === 3, 'three connections carrying the traffic');
      proxy.resetAll();
      proxy.setLatency(0);
      const outcomes = await within(Promise.all(calls), 10_000, 'every concurrent call');
      expect(outcomes).toHaveLength(24);
      expect(statsViolations(harness.pool.stats())).toEqual([]);
      for (let i = 0; i < 5; i++) await harness.pool.use((resource) => options.roundTrip(resource));
      // the reset cut the first three connections: the pool had to open new ones
      expect(proxy.acceptedCount() - acceptedBefore).toBeGreaterThan(3);
      await finish(harness);
    }, timeout);

    it('row 19: a reset while a request is in flight: that call settles at once, the next calls succeed', async () => {
      const harness = open({ max: 1, validateAfterIdleMs: Infinity });
      await warm(harness);
      // the reply sits in the proxy far longer than the sleep below can overrun on a loaded machine,
      // so the reset always lands mid-request
      proxy.setLatency(10_000);
      let victim: R | undefined;
      const call = timed(harness.pool.use((resource) => {
        victim = resource;
        return options.roundTrip(resource);
      }));
      await sleep(50);
      proxy.resetAll();
      proxy.setLatency(0); // a client that retries once gets its answer at once
      const resetAt = performance.now();
      const outcome = await within(call, 5000, 'the call whose connection was reset');
      // an error to that caller, or (for clients that retry an idempotent request once) a success
      if (outcome.error !== undefined) {
        expect(performance.now() - resetAt).toBeLessThan(1000);
        // the error was connection-level (isFatal or isBroken): that resource is destroyed, never lent again
        expect(harness.destroyed.has(victim!), 'the resource whose connection was reset must be destroyed').toBe(true);
      }
      const handedBefore = harness.handedOut.length;
      for (let i = 0; i < 3; i++) await harness.pool.use((resource) => options.roundTrip(resource), { timeoutMs: conformanceTiming.recoveryMs });
      if (outcome.error !== undefined) expect(harness.handedOut.slice(handedBefore)).not.toContain(victim);
      await finish(harness);
    }, timeout);

    it('row 20: slow server (latency): acquire deadlines honoured, no pile-up beyond maxWaiting', async () => {
      const harness = open({ max: 1, maxWaiting: 2, validateAfterIdleMs: Infinity });
      await warm(harness);
      proxy.setLatency(150);
      let maxPending = 0;
      const sampler = setInterval(() => (maxPending = Math.max(maxPending, harness.pool.stats().pending)), 5);
      const deadline = 200;
      const outcomes = await within(
        Promise.all(Array.from({ length: 6 }, () => timed(harness.pool.use((resource) => options.roundTrip(resource), { timeoutMs: deadline })))),
        10_000,
        'the calls to the slow server',
      ).finally(() => clearInterval(sampler));
      const full = outcomes.filter((o) => isPoolError(o.error, 'POOL_QUEUE_FULL'));
      expect(full, 'one borrowed + two waiting; the other three refused at once').toHaveLength(3);
      for (const o of full) expect(o.atOnce, 'refused before the event loop moved on').toBe(true);
      for (const o of outcomes) {
        if (isPoolError(o.error, 'POOL_TIMEOUT')) expect(o.ms).toBeLessThanOrEqual(deadline + conformanceTiming.slackMs);
      }
      expect(outcomes.filter((o) => o.error === undefined).length).toBeGreaterThanOrEqual(1);
      expect(maxPending).toBeLessThanOrEqual(2);
      proxy.setLatency(0);
      await harness.pool.use((resource) => options.roundTrip(resource));
      await finish(harness);
    }, timeout);

    it('close() destroys idle and returned resources and closes every connection', async () => {
      const harness = open({ max: 3 });
      const leases = await Promise.all([harness.pool.acquire(), harness.pool.acquire(), harness.pool.acquire()]);
      for (const lease of leases) await options.roundTrip(lease.resource);
      leases[0]!.release();
      const closing = harness.pool.close({ timeoutMs: 3000 });
      await expect(harness.pool.acquire()).rejects.toSatisfy((error: unknown) => isPoolError(error, 'POOL_CLOSED'));
      leases[1]!.release();
      leases[2]!.release();
      await within(closing, 4000, 'pool.close()');
      expect(harness.pool.stats().size).toBe(0);
      for (const lease of leases) expect(harness.destroyed.has(lease.resource)).toBe(true);
      await finish(harness);
    }, timeout);
  });
}

interface Harness<R> {
  pool: Pool<R>;
  destroyed: Set<R>;
  handedOut: R[];
  errors: unknown[];
}

interface Outcome<T> {
  value?: T;
  error?: unknown;
  ms: number;
  /** Settled before the event loop moved on: no I/O and no timer ran in between. */
  atOnce: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function timed<T>(promise: Promise<T>): Promise<Outcome<T>> {
  const started = performance.now();
  let atOnce = true;
  const turn = setImmediate(() => (atOnce = false));
  try {
    const value = await promise;
    return { value, ms: performance.now() - started, atOnce };
  } catch (error) {
    return { error, ms: performance.now() - started, atOnce };
  } finally {
    clearImmediate(turn);
  }
}
