import { afterEach, describe, expect, it, vi } from 'vitest';

// `@opentelemetry/api` is an optional peer: without it, createOtelPoolMetrics() (no meter given)
// must fail with a clear typed error, and the Prometheus side must not need it at all.
describe('without @opentelemetry/api installed', () => {
  afterEach(() => {
    vi.doUnmock('@opentelemetry/api');
    vi.resetModules();
  });

  it('createOtelPoolMetrics() rejects with METRICS_OTEL_MISSING; a given meter and Prometheus still work', async () => {
    vi.resetModules();
    vi.doMock('@opentelemetry/api', () => {
      throw Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    const { createOtelPoolMetrics, isPoolMetricsError, prometheusText } = await import('../src/index.js');
    const error = await createOtelPoolMetrics().then(() => undefined, (caught: unknown) => caught);
    expect(isPoolMetricsError(error, 'METRICS_OTEL_MISSING')).toBe(true);
    expect((error as Error).message).toContain('@opentelemetry/api');
    expect((error as Error).cause).toBeInstanceOf(Error);

    // with an explicit meter the API package is never loaded
    const created: string[] = [];
    const instrument = { addCallback: () => undefined, removeCallback: () => undefined };
    const meter = {
      createObservableUpDownCounter: (name: string) => (created.push(name), instrument),
      createObservableCounter: (name: string) => (created.push(name), instrument),
      createHistogram: (name: string) => (created.push(name), { record: () => undefined }),
    };
    const otel = await createOtelPoolMetrics({ meter });
    expect(created).toContain('db.client.connection.count');
    otel.close();
    expect(prometheusText([])).toContain('# TYPE db_client_connections gauge');
  });
});
