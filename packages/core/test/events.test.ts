import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPool, type PoolError } from '../src/index.js';
import { fakeProvider, flush } from './helpers/fake-provider.js';

describe('events, diagnostics_channel and logging', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits create, acquire, release and destroy with their payloads', async () => {
    const pool = createPool(fakeProvider(), { max: 1, name: 'events' });
    const seen: string[] = [];
    pool.on('create', ({ pool: name, resource, durationMs }) => seen.push(`create ${name} ${resource.id} ${durationMs >= 0}`));
    pool.on('acquire', ({ resource, waitMs }) => seen.push(`acquire ${resource.id} ${waitMs >= 0}`));
    pool.on('release', ({ resource, heldMs }) => seen.push(`release ${resource.id} ${heldMs >= 0}`));
    pool.on('destroy', ({ resource, reason }) => seen.push(`destroy ${resource.id} ${reason}`));
    const lease = await pool.acquire();
    lease.release();
    await pool.close();
    expect(seen).toEqual(['create events 1 true', 'acquire 1 true', 'release 1 true', 'destroy 1 closed']);
  });

  it('reports a wait of 0, never a negative one, for a caller served within the millisecond it queued in', async () => {
    // the queue stamps callers with coarse time rounded up to a whole ms; the acquire event reads the
    // exact clock, which inside that millisecond is still below the stamp
    vi.useFakeTimers();
    vi.advanceTimersByTime(1_000.4);
    expect(performance.now() % 1).toBeGreaterThan(0);
    const pool = createPool(fakeProvider(), { max: 1 });
    const waits: number[] = [];
    pool.on('acquire', ({ waitMs }) => waits.push(waitMs));
    const lease = await pool.acquire(); // no idle resource: queues, then gets the one just created
    lease.release();
    (await pool.acquire()).release(); // idle resource: served at once
    await pool.close();
    expect(waits).toEqual([0, 0]);
  });

  it('off and once work', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    let count = 0;
    let once = 0;
    const listener = () => { count++; };
    pool.on('acquire', listener);
    pool.once('acquire', () => { once++; });
    (await pool.acquire()).release();
    pool.off('acquire', listener);
    (await pool.acquire()).release();
    expect(count).toBe(1);
    expect(once).toBe(1);
    await pool.close();
  });

  it('publishes every event on node:diagnostics_channel without any pool option', async () => {
    const received: Array<{ channel: string; pool: string }> = [];
    const handlers = ['pool:create', 'pool:acquire', 'pool:release', 'pool:destroy'].map((name) => {
      const handler = (message: unknown) => received.push({ channel: name, pool: (message as { pool: string }).pool });
      subscribe(name, handler);
      return [name, handler] as const;
    });
    try {
      const pool = createPool(fakeProvider(), { max: 1, name: 'traced' });
      (await pool.acquire()).release();
      await pool.close();
    } finally {
      for (const [name, handler] of handlers) unsubscribe(name, handler);
    }
    expect(received).toEqual([
      { channel: 'pool:create', pool: 'traced' },
      { channel: 'pool:acquire', pool: 'traced' },
      { channel: 'pool:release', pool: 'traced' },
      { channel: 'pool:destroy', pool: 'traced' },
    ]);
  });

  it('publishes error, availability and leak on node:diagnostics_channel too', async () => {
    vi.useFakeTimers();
    const received: Array<{ channel: string; message: Record<string, unknown> }> = [];
    const handlers = ['pool:error', 'pool:availability', 'pool:leak'].map((name) => {
      const handler = (message: unknown) => received.push({ channel: name, message: message as Record<string, unknown> });
      subscribe(name, handler);
      return [name, handler] as const;
    });
    try {
      let down = true;
      const pool = createPool(fakeProvider({ create: () => { if (down) throw new Error('connect ECONNREFUSED'); } }), {
        max: 1, name: 'traced-faults', failFast: { afterFailures: 1 }, leakDetectionMs: 1_000, retry: { minDelayMs: 10, maxDelayMs: 10 }, acquireTimeoutMs: 5,
      });
      // the breaker opens once the outage has outlasted the callers' deadline (5 ms): the first caller waits it out
      const first = pool.acquire().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(5);
      await expect(first).resolves.toMatchObject({ code: 'POOL_CREATE_FAILED' });
      await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_UNAVAILABLE' });
      down = false;
      await vi.advanceTimersByTimeAsync(20); // the probe create succeeds: the circuit closes
      const lease = await pool.acquire();
      await vi.advanceTimersByTimeAsync(1_000);
      lease.release();
      await pool.close();
    } finally {
      for (const [name, handler] of handlers) unsubscribe(name, handler);
    }
    // every failed probe is an error event: collapse the run of them
    expect(received.map(({ channel }) => channel).filter((name, i, all) => name !== 'pool:error' || all[i - 1] !== name)).toEqual(['pool:error', 'pool:availability', 'pool:availability', 'pool:leak']);
    expect(received[0]!.message).toMatchObject({ code: 'POOL_CREATE_FAILED', pool: 'traced-faults' });
    expect(received[1]!.message).toMatchObject({ pool: 'traced-faults', unavailable: true });
    expect(received[2]!.message).toMatchObject({ pool: 'traced-faults', unavailable: false });
    expect(received[3]!.message).toMatchObject({ pool: 'traced-faults', stack: expect.stringMatching(/acquired here/) });
  });

  it("an 'error' with no listener never throws: idle failures cannot crash the process", async () => {
    const pool = createPool(fakeProvider({ destroy: () => { throw new Error('close failed'); } }), { max: 1 });
    (await pool.acquire()).destroy();
    await flush();
    expect(pool.stats().totals.destroyed).toBe(1);
    await pool.close();
  });

  it('the logger gets pino-shaped (fields, message) calls with the pool name', async () => {
    const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
    const make = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
    const logger = { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
    const pool = createPool(fakeProvider({ create: () => { throw new Error('connect ECONNREFUSED'); } }), { max: 1, name: 'logged', logger, acquireTimeoutMs: 20, failFast: false });
    await pool.acquire().catch(() => undefined);
    await pool.close();
    const warn = lines.find((line) => line.level === 'warn');
    expect(warn).toMatchObject({ fields: { pool: 'logged', code: 'POOL_CREATE_FAILED' }, message: 'pool error' });
    expect(lines.some((line) => line.level === 'info' && line.message === 'closing')).toBe(true);
  });

  it('reports create errors as error events carrying the cause', async () => {
    const pool = createPool(fakeProvider({ create: () => { throw new Error('auth failed'); } }), { min: 1, max: 1 });
    const error = await new Promise<PoolError>((resolve) => pool.once('error', resolve));
    expect(error).toMatchObject({ code: 'POOL_CREATE_FAILED', cause: { message: 'auth failed' } });
    await pool.close();
  });
});
