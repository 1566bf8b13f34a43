import { metrics } from '@opentelemetry/api';
import { createPool } from '@pool/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OTEL_METRICS, OtelPoolMetrics, createOtelPoolMetrics, type InstrumentOptionsLike, type MetricAttributesLike } from '../src/index.js';
import { StubPool } from './stub-pool.js';

/**
 * A small in-test MeterProvider: it records which instruments were created (name, kind, options),
 * keeps the observable callbacks so `collect()` can run them like an SDK reader would, and keeps
 * every histogram record. Installed through `metrics.setGlobalMeterProvider`, so the bridge is
 * exercised through @opentelemetry/api's real global registration path.
 */
class TestMeter {
  readonly instruments = new Map<string, { kind: string; options?: InstrumentOptionsLike; callbacks: Set<(r: { observe(v: number, a?: MetricAttributesLike): void }) => void>; records: Array<[number, MetricAttributesLike | undefined]> }>();
  readonly meterNames: string[] = [];

  private instrument(kind: string, name: string, options?: InstrumentOptionsLike) {
    if (this.instruments.has(name)) throw new Error(`instrument ${name} created twice`);
    const entry = { kind, callbacks: new Set<never>(), records: [] as Array<[number, MetricAttributesLike | undefined]>, ...(options ? { options } : {}) };
    this.instruments.set(name, entry as never);
    return entry;
  }

  createObservableUpDownCounter(name: string, options?: InstrumentOptionsLike) {
    return this.observable('observableUpDownCounter', name, options);
  }

  createObservableCounter(name: string, options?: InstrumentOptionsLike) {
    return this.observable('observableCounter', name, options);
  }

  createHistogram(name: string, options?: InstrumentOptionsLike) {
    const entry = this.instrument('histogram', name, options);
    return { record: (value: number, attributes?: MetricAttributesLike) => void entry.records.push([value, attributes]) };
  }

  private observable(kind: string, name: string, options?: InstrumentOptionsLike) {
    const entry = this.instrument(kind, name, options);
    const callbacks = entry.callbacks as Set<unknown>;
    return { addCallback: (cb: unknown) => void callbacks.add(cb), removeCallback: (cb: unknown) => void callbacks.delete(cb) };
  }

  /** Runs every observable callback; returns name -> observations. */
  collect(): Map<string, Array<[number, MetricAttributesLike | undefined]>> {
    const out = new Map<string, Array<[number, MetricAttributesLike | undefined]>>();
    for (const [name, entry] of this.instruments) {
      if (entry.kind === 'histogram') continue;
      const seen: Array<[number, MetricAttributesLike | undefined]> = [];
      for (const cb of entry.callbacks) cb({ observe: (v, a) => void seen.push([v, a]) });
      out.set(name, seen);
    }
    return out;
  }
}

function counterProvider() {
  let next = 0;
  return { create: async () => ({ id: ++next }) };
}

const POOL = 'db.client.connection.pool.name';
const STATE = 'db.client.connection.state';

afterEach(() => {
  metrics.disable(); // unregister the global provider
});

describe('OpenTelemetry bridge', () => {
  it('creates the semantic-convention instruments on the global meter provider', async () => {
    const meter = new TestMeter();
    metrics.setGlobalMeterProvider({ getMeter: (name: string) => (meter.meterNames.push(name), meter as never) });
    const otel = await createOtelPoolMetrics();
    expect(meter.meterNames).toEqual(['@pool/metrics']);
    const kinds = Object.fromEntries([...meter.instruments].map(([name, e]) => [name, [e.kind, e.options?.unit]]));
    expect(kinds).toEqual({
      'db.client.connection.count': ['observableUpDownCounter', '{connection}'],
      'db.client.connection.idle.max': ['observableUpDownCounter', '{connection}'],
      'db.client.connection.idle.min': ['observableUpDownCounter', '{connection}'],
      'db.client.connection.max': ['observableUpDownCounter', '{connection}'],
      'db.client.connection.pending_requests': ['observableUpDownCounter', '{request}'],
      'db.client.connection.timeouts': ['observableCounter', '{timeout}'],
      'db.client.connection.create_time': ['histogram', 's'],
      'db.client.connection.wait_time': ['histogram', 's'],
      'db.client.connection.use_time': ['histogram', 's'],
    });
    expect(meter.instruments.get(OTEL_METRICS.waitTime)?.options?.advice?.explicitBucketBoundaries?.[0]).toBe(0.0005);
    otel.close();
  });

  it('observes count by state, min, max, pending and timeouts for several pools', async () => {
    const meter = new TestMeter();
    const otel = new OtelPoolMetrics(meter);
    const a = createPool(counterProvider(), { name: 'a', min: 0, max: 3 });
    const b = createPool(counterProvider(), { name: 'b', max: 1, acquireTimeoutMs: 15 });
    otel.add(a).add(b);
    const la = await a.acquire();
    (await a.acquire()).release();
    const lb = await b.acquire();
    const waiter = b.acquire({ timeoutMs: 60_000 });
    await expect(b.acquire()).rejects.toMatchObject({ code: 'POOL_TIMEOUT' });

    const seen = meter.collect();
    expect(seen.get(OTEL_METRICS.count)).toEqual([
      [1, { [POOL]: 'a', [STATE]: 'idle' }],
      [1, { [POOL]: 'a', [STATE]: 'used' }],
      [0, { [POOL]: 'b', [STATE]: 'idle' }],
      [1, { [POOL]: 'b', [STATE]: 'used' }],
    ]);
    expect(seen.get(OTEL_METRICS.max)).toEqual([[3, { [POOL]: 'a' }], [1, { [POOL]: 'b' }]]);
    expect(seen.get(OTEL_METRICS.idleMax)).toEqual([[3, { [POOL]: 'a' }], [1, { [POOL]: 'b' }]]);
    expect(seen.get(OTEL_METRICS.idleMin)).toEqual([[0, { [POOL]: 'a' }], [0, { [POOL]: 'b' }]]);
    expect(seen.get(OTEL_METRICS.pendingRequests)).toEqual([[0, { [POOL]: 'a' }], [1, { [POOL]: 'b' }]]);
    expect(seen.get(OTEL_METRICS.timeouts)).toEqual([[0, { [POOL]: 'a' }], [1, { [POOL]: 'b' }]]);

    la.release();
    lb.release();
    (await waiter).release();
    otel.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('records create, wait and use time in seconds from pool events', () => {
    const meter = new TestMeter();
    const pool = new StubPool('s');
    new OtelPoolMetrics(meter).add(pool);
    pool.emit('create', { durationMs: 12 });
    pool.emit('acquire', { waitMs: 3 });
    pool.emit('release', { heldMs: 250 });
    expect(meter.instruments.get(OTEL_METRICS.createTime)?.records).toEqual([[0.012, { [POOL]: 's' }]]);
    expect(meter.instruments.get(OTEL_METRICS.waitTime)?.records).toEqual([[0.003, { [POOL]: 's' }]]);
    expect(meter.instruments.get(OTEL_METRICS.useTime)?.records).toEqual([[0.25, { [POOL]: 's' }]]);
  });

  it('remove() and close() stop reporting and unregister callbacks', () => {
    const meter = new TestMeter();
    const pool = new StubPool('r', { idle: 2 });
    const otel = new OtelPoolMetrics(meter).add(pool);
    otel.remove(pool);
    expect(pool.listenerCount('release')).toBe(0);
    expect(meter.collect().get(OTEL_METRICS.count)).toEqual([]);
    otel.close();
    expect([...meter.instruments.values()].every((e) => e.callbacks.size === 0)).toBe(true);
    expect(() => otel.add(pool)).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTION' }));
  });

  it('accepts a real @opentelemetry/api Meter (the no-op one when no SDK is installed)', () => {
    const otel = new OtelPoolMetrics(metrics.getMeter('typecheck'));
    const pool = new StubPool('noop');
    otel.add(pool);
    expect(() => pool.emit('acquire', { waitMs: 1 })).not.toThrow();
    otel.close();
  });
});
