/**
 * OpenTelemetry semantic-convention names for connection pool metrics
 * (https://opentelemetry.io/docs/specs/semconv/database/database-metrics/).
 */
export const OTEL_METRICS = {
  count: 'db.client.connection.count',
  idleMax: 'db.client.connection.idle.max',
  idleMin: 'db.client.connection.idle.min',
  max: 'db.client.connection.max',
  pendingRequests: 'db.client.connection.pending_requests',
  timeouts: 'db.client.connection.timeouts',
  createTime: 'db.client.connection.create_time',
  waitTime: 'db.client.connection.wait_time',
  useTime: 'db.client.connection.use_time',
} as const;

/** The attribute every pool metric carries: the pool's `name` option. */
export const OTEL_POOL_NAME = 'db.client.connection.pool.name';
/** The attribute of `db.client.connection.count`: `idle` or `used`. */
export const OTEL_STATE = 'db.client.connection.state';
