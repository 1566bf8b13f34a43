import type { PoolStats, PoolTotals } from '@pool/core';
import { PoolMetricsError } from './errors.js';
import { DEFAULT_BUCKETS_SECONDS, Histogram, checkBounds } from './histogram.js';
import { subscribeTimings, type MeteredPool } from './metered-pool.js';
import { PoolRegistry, type MetricsSource } from './pool-registry.js';
import { isMetricName, renderFamilies, sample, type Family } from './prometheus-format.js';

/** Options of {@link PrometheusExporter}. */
export interface PrometheusExporterOptions {
  /** Prepended to every metric name, e.g. `myapp_`. @default '' */
  prefix?: string;
  /** Histogram bucket upper bounds in seconds. @default DEFAULT_BUCKETS_SECONDS (0.5 ms .. 10 s) */
  buckets?: readonly number[];
  /** Record the create/wait/use histograms from pool events. @default true */
  histograms?: boolean;
}

interface Timings {
  create: Histogram;
  wait: Histogram;
  use: Histogram;
  unsubscribe: () => void;
}

/** The counters of `stats().totals` exposed as `<prefix>pool_<name>_total`, with their help. */
const TOTALS: ReadonlyArray<[keyof PoolTotals, string, string]> = [
  ['created', 'pool_resources_created_total', 'Resources created successfully.'],
  ['destroyed', 'pool_resources_destroyed_total', 'Resources destroyed, whatever the reason.'],
  ['acquired', 'pool_acquires_total', 'Leases handed out.'],
  ['released', 'pool_releases_total', 'Leases given back.'],
  ['aborted', 'pool_acquires_aborted_total', 'Acquires given up while waiting: the caller\'s signal, or a watchdog\'s cut.'],
  ['rejected', 'pool_acquires_rejected_total', 'Acquires the pool failed: refused at once (queue full, backend unavailable) or failed by a connect.'],
  ['createErrors', 'pool_create_errors_total', 'Creates that failed or timed out.'],
  ['validationFailures', 'pool_validation_failures_total', 'Validations that failed, threw or timed out.'],
  ['leaks', 'pool_leaks_total', 'Leases reported as leaked.'],
];

/**
 * Prometheus text exposition of any number of pools: the OpenTelemetry `db.client.connection.*`
 * metrics under their Prometheus names (`db_client_connections{pool,state}` ...), the pool's
 * running totals as `*_total` counters, and create/wait/use histograms built from pool events.
 *
 * ```ts
 * const exporter = new PrometheusExporter().add(pgPool).add(redisPool);
 * http.createServer((req, res) => {
 *   res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
 *   res.end(exporter.collect());
 * });
 * ```
 */
export class PrometheusExporter {
  private readonly pools = new PoolRegistry<Timings | undefined>();
  private readonly prefix: string;
  private readonly buckets: readonly number[];
  private readonly histograms: boolean;

  constructor(options: PrometheusExporterOptions = {}) {
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '' && !isMetricName(this.prefix)) {
      throw new PoolMetricsError('METRICS_INVALID_OPTION', `prefix "${this.prefix}" is not a valid Prometheus metric name start ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
    }
    try {
      checkBounds(options.buckets ?? DEFAULT_BUCKETS_SECONDS);
    } catch (error) {
      throw new PoolMetricsError('METRICS_INVALID_OPTION', `buckets: ${(error as Error).message}`, { cause: error });
    }
    this.buckets = options.buckets ?? DEFAULT_BUCKETS_SECONDS;
    this.histograms = options.histograms ?? true;
  }

  /**
   * Starts exporting `source`: a @pool/core pool or any adapter's ready-made client (PgPool,
   * MysqlPool, RedisPool, TcpPool, WsPool, HttpPool with one pool per origin). Each pool's
   * `stats().name` becomes its `pool` label. Idempotent per source.
   */
  add(source: MetricsSource): this {
    this.pools.add(source, (_name, pool) => {
      if (!this.histograms) return undefined;
      const t = { create: new Histogram(this.buckets), wait: new Histogram(this.buckets), use: new Histogram(this.buckets) };
      const unsubscribe = subscribeTimings(pool, {
        create: (s) => t.create.observe(s),
        wait: (s) => t.wait.observe(s),
        use: (s) => t.use.observe(s),
      });
      return { ...t, unsubscribe };
    });
    return this;
  }

  /** Stops exporting `source` and removes its event listeners. */
  remove(source: MetricsSource): this {
    for (const timings of this.pools.remove(source)) timings?.unsubscribe();
    return this;
  }

  /** Removes every pool. */
  close(): void {
    for (const source of this.pools.allSources()) this.remove(source);
  }

  /** The exposition text for every pool, now. Serve it with `PROMETHEUS_CONTENT_TYPE`. */
  collect(): string {
    const p = this.prefix;
    const snapshot: Array<[string, PoolStats, Timings | undefined]> = [];
    for (const [pool, name, timings] of this.pools) snapshot.push([name, pool.stats(), timings]);

    const gauge = (name: string, help: string, value: (s: PoolStats) => number): Family => ({
      name: p + name, help, type: 'gauge',
      samples: snapshot.map(([pool, s]) => sample(p + name, { pool }, value(s))),
    });
    const families: Family[] = [
      {
        // not `db_client_connection_count`: a gauge must not end in `_count` (promtool), that suffix is a histogram's
        name: `${p}db_client_connections`,
        help: 'Connections in the pool by state: idle, or used (borrowed).',
        type: 'gauge',
        samples: snapshot.flatMap(([pool, s]) => [
          sample(`${p}db_client_connections`, { pool, state: 'idle' }, s.idle),
          sample(`${p}db_client_connections`, { pool, state: 'used' }, s.borrowed),
        ]),
      },
      gauge('db_client_connection_max', 'The most connections the pool may hold.', (s) => s.max),
      gauge('db_client_connection_idle_max', 'The most connections that may sit idle (max: every open connection may).', (s) => s.max),
      gauge('db_client_connection_idle_min', 'The connections the pool keeps open at least (min).', (s) => s.min),
      gauge('db_client_connection_pending_requests', 'Callers waiting for a connection.', (s) => s.pending),
      {
        name: `${p}db_client_connection_timeouts_total`,
        help: 'Acquires that timed out.',
        type: 'counter',
        samples: snapshot.map(([pool, s]) => sample(`${p}db_client_connection_timeouts_total`, { pool }, s.totals.timeouts)),
      },
      gauge('pool_connections_creating', 'Connections being created right now.', (s) => s.creating),
      gauge('pool_unavailable', '1 while the circuit breaker rejects acquires (backend down), else 0.', (s) => (s.unavailable ? 1 : 0)),
      gauge('pool_paused', '1 while the pool is paused, else 0.', (s) => (s.paused ? 1 : 0)),
      ...TOTALS.map(([key, name, help]): Family => ({
        name: p + name, help, type: 'counter',
        samples: snapshot.map(([pool, s]) => sample(p + name, { pool }, s.totals[key])),
      })),
    ];
    if (this.histograms) {
      families.push(
        this.histogramFamily('db_client_connection_create_time_seconds', 'Time to create a connection.', snapshot, (t) => t.create),
        this.histogramFamily('db_client_connection_wait_time_seconds', 'Time a caller waited to obtain a connection.', snapshot, (t) => t.wait),
        this.histogramFamily('db_client_connection_use_time_seconds', 'Time between borrowing a connection and returning it.', snapshot, (t) => t.use),
      );
    }
    return renderFamilies(families);
  }

  private histogramFamily(
    base: string,
    help: string,
    snapshot: ReadonlyArray<[string, PoolStats, Timings | undefined]>,
    pick: (t: Timings) => Histogram,
  ): Family {
    const name = this.prefix + base;
    const samples: string[] = [];
    for (const [pool, , timings] of snapshot) {
      if (!timings) continue;
      const h = pick(timings);
      const cumulative = h.cumulative();
      h.bounds.forEach((le, i) => samples.push(sample(`${name}_bucket`, { pool, le: String(le) }, cumulative[i]!)));
      samples.push(sample(`${name}_bucket`, { pool, le: '+Inf' }, h.count));
      samples.push(sample(`${name}_sum`, { pool }, h.sum));
      samples.push(sample(`${name}_count`, { pool }, h.count));
    }
    return { name, help, type: 'histogram', samples };
  }
}

/**
 * The exposition of `stats()` for the given pools, gauges and counters only (no histograms: those
 * need events recorded over time, see {@link PrometheusExporter}).
 */
export function prometheusText(pools: Iterable<MetricsSource>, options: Omit<PrometheusExporterOptions, 'histograms'> = {}): string {
  const exporter = new PrometheusExporter({ ...options, histograms: false });
  for (const pool of pools) exporter.add(pool);
  return exporter.collect();
}
