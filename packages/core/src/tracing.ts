import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

/**
 * The `pool:acquire` TracingChannel (`node:diagnostics_channel`): a tracer (OpenTelemetry, dd-trace)
 * gets `start`, `end`, `asyncStart`, `asyncEnd` and `error` on `tracing:pool:acquire:<event>` with one
 * context object, `result` or `error` set before the async events. Nothing is published, and nothing
 * allocated, while no one subscribes. Adapters' calls: `pool:call` in adapter-kit/call-trace.ts.
 */

/** The context of an acquire: `tracing:pool:acquire:*`. `result` is the Lease on success. */
export interface AcquireTraceContext {
  /** The pool's name. */
  pool: string;
  /** The caller's own deadline in ms, or the pool's `acquireTimeoutMs`. */
  timeoutMs: number;
  result?: unknown;
  error?: unknown;
}

export const acquireTrace: TracingChannel<unknown, AcquireTraceContext & object> = tracingChannel('pool:acquire');
