export { PrometheusExporter, prometheusText, type PrometheusExporterOptions } from './prometheus-exporter.js';
export { PROMETHEUS_CONTENT_TYPE } from './prometheus-format.js';
export { OtelPoolMetrics, createOtelPoolMetrics, type OtelPoolMetricsOptions, type CreateOtelPoolMetricsOptions } from './otel-bridge.js';
export { OTEL_METRICS, OTEL_POOL_NAME, OTEL_STATE } from './otel-names.js';
export type { MeterLike, HistogramLike, ObservableLike, ObservableResultLike, ObservableCallbackLike, InstrumentOptionsLike, MetricAttributesLike } from './meter-like.js';
export type { MeteredPool } from './metered-pool.js';
export type { MetricsSource } from './pool-registry.js';
export { DEFAULT_BUCKETS_SECONDS } from './histogram.js';
export { PoolMetricsError, isPoolMetricsError, type PoolMetricsErrorCode } from './errors.js';
