import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

/** The context of a ready-made client's call (a query, a command, a request): `tracing:pool:call:*`. */
export interface CallTraceContext {
  /** The pool's name. */
  pool: string;
  /** Which adapter: 'pg', 'mysql', 'redis', 'tcp', 'ws', 'http'. */
  adapter: string;
  /** What was called: 'query', 'execute', 'transaction', a Redis command name such as 'BLPOP', 'request'. */
  operation: string;
  /** The statement or command text, without parameter values (never a secret). */
  statement?: string;
  /** Where it went: host, port and database (or db index) as the adapter knows them. */
  server?: { host?: string; port?: number; database?: string };
  result?: unknown;
  error?: unknown;
}

/** `tracing:pool:call:*`, published as the `pool:acquire` channel is (src/tracing.ts). */
export const callTrace: TracingChannel<unknown, CallTraceContext & object> = tracingChannel('pool:call');

/**
 * Runs `fn` inside the `pool:call` TracingChannel when anyone subscribes (else just runs it): the
 * one helper every adapter's ready-made calls go through.
 */
export function traceCall<T>(context: CallTraceContext, fn: () => Promise<T>): Promise<T> {
  if (!callTrace.hasSubscribers) return fn();
  return callTrace.tracePromise(fn, context);
}
