import { PoolMetricsError } from './errors.js';
import { DEFAULT_BUCKETS_SECONDS, checkBounds } from './histogram.js';
import type { HistogramLike, MeterLike, ObservableCallbackLike, ObservableLike, ObservableResultLike } from './meter-like.js';
import { subscribeTimings, type MeteredPool } from './metered-pool.js';
import { OTEL_METRICS, OTEL_POOL_NAME, OTEL_STATE } from './otel-names.js';
import { PoolRegistry, type MetricsSource } from './pool-registry.js';

/** Options of {@link OtelPoolMetrics}. */
export interface OtelPoolMetricsOptions {
  /** Bucket boundaries advised for the three duration histograms, in seconds. @default DEFAULT_BUCKETS_SECONDS */
  buckets?: readonly number[];
}

/**
 * Reports pools through an OpenTelemetry `Meter`, under the semantic-convention names:
 *
 * | instrument | kind | unit | attributes |
 * |---|---|---|---|
 * | `db.client.connection.count` | observable up-down counter | `{connection}` | pool name, `db.client.connection.state` = `idle` \| `used` |
 * | `db.client.connection.idle.max` | observable up-down counter | `{connection}` | pool name (= `max`: every open connection may sit idle) |
 * | `db.client.connection.idle.min` | observable up-down counter | `{connection}` | pool name |
 * | `db.client.connection.max` | observable up-down counter | `{connection}` | pool name |
 * | `db.client.connection.pending_requests` | observable up-down counter | `{request}` | pool name |
 * | `db.client.connection.timeouts` | observable counter | `{timeout}` | pool name |
 * | `db.client.connection.create_time` | histogram | `s` | pool name |
 * | `db.client.connection.wait_time` | histogram | `s` | pool name |
 * | `db.client.connection.use_time` | histogram | `s` | pool name |
 *
 * The pool name attribute is `db.client.connection.pool.name`. Gauges are read from `stats()` when
 * the SDK collects; histograms are recorded from the pool's `create`, `acquire` and `release` events.
 */
export class OtelPoolMetrics {
  private readonly pools = new PoolRegistry<() => void>();
  private readonly observables: Array<[ObservableLike, ObservableCallbackLike]>;
  private readonly createTime: HistogramLike;
  private readonly waitTime: HistogramLike;
  private readonly useTime: HistogramLike;
  private closed = false;

  constructor(meter: MeterLike, options: OtelPoolMetricsOptions = {}) {
    const buckets = options.buckets ?? DEFAULT_BUCKETS_SECONDS;
    try {
      checkBounds(buckets);
    } catch (error) {
      throw new PoolMetricsError('METRICS_INVALID_OPTION', `buckets: ${(error as Error).message}`, { cause: error });
    }
    const each = (observe: (result: ObservableResultLike, pool: MeteredPool, name: string) => void): ObservableCallbackLike => (result) => {
      for (const [pool, name] of this.pools) observe(result, pool, name);
    };
    const count = meter.createObservableUpDownCounter(OTEL_METRICS.count, { unit: '{connection}', description: 'The number of connections that are currently in the state described by the state attribute.' });
    const idleMax = meter.createObservableUpDownCounter(OTEL_METRICS.idleMax, { unit: '{connection}', description: 'The maximum number of idle open connections allowed.' });
    const idleMin = meter.createObservableUpDownCounter(OTEL_METRICS.idleMin, { unit: '{connection}', description: 'The minimum number of idle open connections allowed.' });
    const max = meter.createObservableUpDownCounter(OTEL_METRICS.max, { unit: '{connection}', description: 'The maximum number of open connections allowed.' });
    const pending = meter.createObservableUpDownCounter(OTEL_METRICS.pendingRequests, { unit: '{request}', description: 'The number of current pending requests for an open connection.' });
    const timeouts = meter.createObservableCounter(OTEL_METRICS.timeouts, { unit: '{timeout}', description: 'The number of connection timeouts that have occurred trying to obtain a connection from the pool.' });
    this.observables = [
      [count, each((r, pool, name) => {
        const s = pool.stats();
        r.observe(s.idle, { [OTEL_POOL_NAME]: name, [OTEL_STATE]: 'idle' });
        r.observe(s.borrowed, { [OTEL_POOL_NAME]: name, [OTEL_STATE]: 'used' });
      })],
      [idleMax, each((r, pool, name) => r.observe(pool.stats().max, { [OTEL_POOL_NAME]: name }))],
      [idleMin, each((r, pool, name) => r.observe(pool.stats().min, { [OTEL_POOL_NAME]: name }))],
      [max, each((r, pool, name) => r.observe(pool.stats().max, { [OTEL_POOL_NAME]: name }))],
      [pending, each((r, pool, name) => r.observe(pool.stats().pending, { [OTEL_POOL_NAME]: name }))],
      [timeouts, each((r, pool, name) => r.observe(pool.stats().totals.timeouts, { [OTEL_POOL_NAME]: name }))],
    ];
    for (const [instrument, callback] of this.observables) instrument.addCallback(callback);
    const advice = { explicitBucketBoundaries: [...buckets] };
    this.createTime = meter.createHistogram(OTEL_METRICS.createTime, { unit: 's', description: 'The time it took to create a new connection.', advice });
    this.waitTime = meter.createHistogram(OTEL_METRICS.waitTime, { unit: 's', description: 'The time it took to obtain an open connection from the pool.', advice });
    this.useTime = meter.createHistogram(OTEL_METRICS.useTime, { unit: 's', description: 'The time between borrowing a connection and returning it to the pool.', advice });
  }

  /**
   * Starts reporting `source`: a @pool/core pool or any adapter's ready-made client (one pool, or one
   * per origin for HttpPool). Idempotent per source; a second pool with the same name throws METRICS_DUPLICATE_POOL.
   */
  add(source: MetricsSource): this {
    if (this.closed) throw new PoolMetricsError('METRICS_INVALID_OPTION', 'this OtelPoolMetrics is closed');
    this.pools.add(source, (name, pool) => {
      const attributes = { [OTEL_POOL_NAME]: name };
      return subscribeTimings(pool, {
        create: (s) => this.createTime.record(s, attributes),
        wait: (s) => this.waitTime.record(s, attributes),
        use: (s) => this.useTime.record(s, attributes),
      });
    });
    return this;
  }

  /** Stops reporting `source` and removes its event listeners. */
  remove(source: MetricsSource): this {
    for (const unsubscribe of this.pools.remove(source)) unsubscribe();
    return this;
  }

  /** Removes every pool and unregisters the observable callbacks. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const source of this.pools.allSources()) this.remove(source);
    for (const [instrument, callback] of this.observables) instrument.removeCallback(callback);
  }
}

/** Options of {@link createOtelPoolMetrics}. */
export interface CreateOtelPoolMetricsOptions extends OtelPoolMetricsOptions {
  /** The meter to use. When absent, `@opentelemetry/api`'s global `metrics.getMeter(meterName)` is used. */
  meter?: MeterLike;
  /** @default '@pool/metrics' */
  meterName?: string;
}

/**
 * Creates an {@link OtelPoolMetrics} on the given meter, or on the global meter provider of
 * `@opentelemetry/api` (an optional peer dependency, loaded only here). Rejects with
 * METRICS_OTEL_MISSING when no meter is given and the API is not installed.
 *
 * ```ts
 * const otel = await createOtelPoolMetrics();
 * otel.add(pool);
 * ```
 */
export async function createOtelPoolMetrics(options: CreateOtelPoolMetricsOptions = {}): Promise<OtelPoolMetrics> {
  let meter = options.meter;
  if (!meter) {
    let api: typeof import('@opentelemetry/api');
    try {
      api = await import('@opentelemetry/api');
    } catch (error) {
      throw new PoolMetricsError('METRICS_OTEL_MISSING', 'createOtelPoolMetrics() without a meter needs @opentelemetry/api: npm install @opentelemetry/api', { cause: error });
    }
    meter = api.metrics.getMeter(options.meterName ?? '@pool/metrics');
  }
  return new OtelPoolMetrics(meter, options);
}
