import { createPool } from '@pool/core';
import { createPgPool } from '@pool/pg';
import { requireService, serviceUrl } from '@pool/testkit';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { OTEL_POOL_NAME, OTEL_STATE, OtelPoolMetrics } from '../src/index.js';

const pg = await requireService('pg');

/** The real OpenTelemetry SDK: a MeterProvider with an in-memory exporter, flushed on demand. */
function sdk() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('@pool/metrics-test'),
    async collect(): Promise<Map<string, MetricData>> {
      await reader.forceFlush();
      const out = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
      exporter.reset();
      return out;
    },
    shutdown: () => provider.shutdown(),
  };
}

const point = (m: MetricData | undefined, attributes: Record<string, string>) =>
  m?.dataPoints.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));

let cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('OtelPoolMetrics on the real @opentelemetry/sdk-metrics', () => {
  it('exports every db.client.connection.* instrument of the semantic conventions, with values', async () => {
    const s = sdk();
    cleanup.push(s.shutdown);
    const pool = createPool({ create: async () => ({}) }, { name: 'things', max: 3, min: 1 });
    cleanup.push(() => pool.close());
    const otel = new OtelPoolMetrics(s.meter).add(pool);
    cleanup.push(() => otel.close());
    await pool.ready();
    await pool.use(async () => {});
    const held = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    cleanup.push(() => held.forEach((lease) => lease.release()));
    await expect(pool.acquire({ timeoutMs: 1 })).rejects.toMatchObject({ code: 'POOL_TIMEOUT' });

    const metrics = await s.collect();
    const name = { [OTEL_POOL_NAME]: 'things' };
    expect([...metrics.keys()].sort()).toEqual([
      'db.client.connection.count',
      'db.client.connection.create_time',
      'db.client.connection.idle.max',
      'db.client.connection.idle.min',
      'db.client.connection.max',
      'db.client.connection.pending_requests',
      'db.client.connection.timeouts',
      'db.client.connection.use_time',
      'db.client.connection.wait_time',
    ]);
    const value = (n: string, extra: Record<string, string> = {}) => point(metrics.get(n), { ...name, ...extra })?.value;
    expect(value('db.client.connection.count', { [OTEL_STATE]: 'used' })).toBe(3); // all three held
    expect(value('db.client.connection.count', { [OTEL_STATE]: 'idle' })).toBe(0);
    expect(value('db.client.connection.max')).toBe(3);
    expect(value('db.client.connection.idle.max')).toBe(3);
    expect(value('db.client.connection.idle.min')).toBe(1);
    expect(value('db.client.connection.pending_requests')).toBe(0);
    expect(value('db.client.connection.timeouts')).toBe(1);
    for (const h of ['create_time', 'wait_time', 'use_time']) {
      const m = metrics.get(`db.client.connection.${h}`)!;
      expect(m.dataPointType).toBe(DataPointType.HISTOGRAM);
      expect(m.descriptor.unit).toBe('s');
      expect((point(m, name)?.value as { count: number }).count).toBeGreaterThan(0);
    }
    expect(metrics.get('db.client.connection.count')!.descriptor.unit).toBe('{connection}');
    expect(metrics.get('db.client.connection.pending_requests')!.descriptor.unit).toBe('{request}');
    expect(metrics.get('db.client.connection.timeouts')!.descriptor.unit).toBe('{timeout}');
  });

  it.skipIf(!pg.available)('takes a PgPool as it is (it crashed on the first release before), with histograms that fill', async () => {
    const s = sdk();
    cleanup.push(s.shutdown);
    const db = createPgPool({ connectionString: serviceUrl('pg'), max: 2 });
    cleanup.push(() => db.end());
    const otel = new OtelPoolMetrics(s.meter).add(db);
    cleanup.push(() => otel.close());
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    const metrics = await s.collect();
    const name = { [OTEL_POOL_NAME]: db.stats().name };
    expect(db.stats().name).toMatch(/^pg:127\.0\.0\.1:5432\/test/);
    expect((point(metrics.get('db.client.connection.use_time'), name)?.value as { count: number }).count).toBe(2);
    expect((point(metrics.get('db.client.connection.wait_time'), name)?.value as { count: number }).count).toBe(2);
    expect((point(metrics.get('db.client.connection.create_time'), name)?.value as { count: number }).count).toBe(1);
  });
});
