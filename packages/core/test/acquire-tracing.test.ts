import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, Lease, type AcquireTraceContext } from '../src/index.js';
import { fakeProvider } from './helpers/fake-provider.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Records every tracing:pool:acquire event with a copy of its context. */
function record(): { events: Array<{ event: string; context: AcquireTraceContext }>; stop(): void } {
  const events: Array<{ event: string; context: AcquireTraceContext }> = [];
  const on = (event: string) => (message: unknown) => events.push({ event, context: { ...(message as AcquireTraceContext) } });
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  const channel = tracingChannel('pool:acquire');
  channel.subscribe(handlers);
  return { events, stop: () => channel.unsubscribe(handlers) };
}

describe('tracing:pool:acquire (TracingChannel)', () => {
  it('publishes start and asyncEnd with the lease as result, for an idle resource and for a waiter', async () => {
    const pool = createPool(fakeProvider(), { max: 1, name: 'traced-acquire' });
    (await pool.acquire()).release(); // one idle resource, acquired before anyone subscribed
    const trace = record();
    try {
      const lease = await pool.acquire(); // the fast path must not skip the trace
      const waiting = pool.acquire({ timeoutMs: 1_000 });
      lease.release();
      (await waiting).release();
    } finally {
      trace.stop();
    }
    const names = trace.events.map(({ event }) => event);
    expect(names.filter((n) => n === 'start')).toHaveLength(2);
    expect(names.filter((n) => n === 'asyncEnd')).toHaveLength(2);
    expect(names).not.toContain('error');
    const starts = trace.events.filter(({ event }) => event === 'start');
    expect(starts[0]!.context).toMatchObject({ pool: 'traced-acquire', timeoutMs: 30_000 });
    expect(starts[1]!.context).toMatchObject({ pool: 'traced-acquire', timeoutMs: 1_000 });
    for (const { context } of trace.events.filter(({ event }) => event === 'asyncEnd')) {
      expect(context.result).toBeInstanceOf(Lease);
    }
    await pool.close();
  });

  it('publishes error with the POOL_TIMEOUT of a caller that timed out', async () => {
    vi.useFakeTimers();
    const pool = createPool(fakeProvider(), { max: 1, name: 'traced-timeout' });
    const held = await pool.acquire();
    const trace = record();
    let error: unknown;
    try {
      const waiting = pool.acquire({ timeoutMs: 50 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(51);
      error = await waiting;
    } finally {
      trace.stop();
    }
    expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
    expect(trace.events.map(({ event }) => event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(trace.events.find(({ event }) => event === 'error')!.context.error).toBe(error);
    held.release();
    await pool.close();
  });

  it('publishes nothing and costs nothing while no one subscribes', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    expect(tracingChannel('pool:acquire').start.hasSubscribers).toBe(false);
    (await pool.acquire()).release();
    await pool.close();
  });
});
