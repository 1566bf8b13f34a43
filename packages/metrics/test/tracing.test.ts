import { tracingChannel } from 'node:diagnostics_channel';
import type { CallTraceContext } from '@pool/core/adapter-kit';
import { createPgPool } from '@pool/pg';
import { requireService, serviceUrl } from '@pool/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const pg = await requireService('pg');

/** A span as a tracer would make it from the `pool:call` TracingChannel. */
interface Span {
  name: string;
  attributes: Record<string, unknown>;
  events: string[];
  status: 'ok' | 'error';
  error?: unknown;
  durationMs?: number;
}

/** The smallest tracer: subscribes to tracing:pool:call:* and turns each call into a span. */
function spanRecorder(name: 'pool:call' | 'pool:acquire' = 'pool:call') {
  const spans: Span[] = [];
  const open = new WeakMap<object, { span: Span; startedAt: number }>();
  const channel = tracingChannel<unknown, CallTraceContext & object>(name);
  const handlers = {
    start(ctx: CallTraceContext & object) {
      const span: Span = {
        name: name === 'pool:acquire' ? 'pool acquire' : `${ctx.adapter} ${ctx.operation}`,
        attributes: { 'db.client.connection.pool.name': ctx.pool, 'db.system': ctx.adapter, 'db.query.text': ctx.statement },
        events: ['start'],
        status: 'ok',
      };
      open.set(ctx, { span, startedAt: performance.now() });
    },
    end(ctx: CallTraceContext & object) {
      open.get(ctx)?.span.events.push('end');
    },
    asyncStart(ctx: CallTraceContext & object) {
      open.get(ctx)?.span.events.push('asyncStart');
    },
    asyncEnd(ctx: CallTraceContext & object) {
      const entry = open.get(ctx);
      if (!entry) return;
      entry.span.events.push('asyncEnd');
      entry.span.durationMs = performance.now() - entry.startedAt;
      spans.push(entry.span);
    },
    error(ctx: CallTraceContext & object) {
      const entry = open.get(ctx);
      if (!entry) return;
      entry.span.events.push('error');
      entry.span.status = 'error';
      entry.span.error = ctx.error;
    },
  };
  channel.subscribe(handlers);
  return { spans, stop: () => channel.unsubscribe(handlers) };
}

describe.skipIf(!pg.available)('spans from the pool:call TracingChannel (PgPool, real PostgreSQL)', () => {
  const db = createPgPool({ connectionString: serviceUrl('pg'), max: 2, pool: { name: 'traced' } });
  afterAll(() => db.end());

  it('one span per query: a succeeding one, and a failing one that carries the driver\'s error', async () => {
    const tracer = spanRecorder();
    const acquires = spanRecorder('pool:acquire');
    try {
      const ok = await db.query('SELECT $1::int AS n', [7]);
      expect(ok.rows).toEqual([{ n: 7 }]);
      const failed = await db.query('SELECT * FROM metrics_trace_no_such_table').catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: '42P01' });
    } finally {
      tracer.stop();
      acquires.stop();
    }
    // each query borrowed a client through the pool:acquire TracingChannel (a child span, for a tracer)
    expect(acquires.spans.map((span) => [span.name, span.attributes['db.client.connection.pool.name'], span.status])).toEqual([
      ['pool acquire', 'traced', 'ok'],
      ['pool acquire', 'traced', 'ok'],
    ]);
    expect(tracer.spans).toHaveLength(2);
    const [good, bad] = tracer.spans;
    expect(good).toMatchObject({
      name: 'pg query',
      status: 'ok',
      attributes: { 'db.client.connection.pool.name': 'traced', 'db.system': 'pg', 'db.query.text': 'SELECT $1::int AS n' },
      events: ['start', 'end', 'asyncStart', 'asyncEnd'],
    });
    expect(good!.durationMs).toBeGreaterThanOrEqual(0);
    expect(bad).toMatchObject({
      name: 'pg query',
      status: 'error',
      attributes: { 'db.query.text': 'SELECT * FROM metrics_trace_no_such_table' },
      events: ['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
    });
    expect((bad!.error as { code: string }).code).toBe('42P01');
  });

});
