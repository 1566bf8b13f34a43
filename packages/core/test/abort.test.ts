import { describe, expect, it } from 'vitest';
import { createPool, isPoolError, type PoolError } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

describe('abort (reliability row 6)', () => {
  it('aborting a waiter rejects it at once with POOL_ABORTED and the signal reason as cause, and takes it out of the queue', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal }).catch((error: unknown) => error);
    const after = pool.acquire();
    await flush();
    expect(pool.stats().pending).toBe(2);
    const reason = new Error('client went away');
    controller.abort(reason);
    const error = (await waiting) as PoolError;
    expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
    expect(error.cause).toBe(reason);
    expect(pool.stats()).toMatchObject({ pending: 1, totals: { aborted: 1 } });
    held.release();
    // the aborted waiter's place is skipped: the next one is served
    const next = await after;
    expect(next.resource).toBe(held.resource);
    next.release();
    await pool.close();
  });

  it('an already-aborted signal rejects without touching the pool', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    await expect(pool.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'POOL_ABORTED' });
    expect(provider.made).toHaveLength(0);
    await pool.close();
  });

  it('the resource created for an aborted waiter goes to the next waiter, or to idle: no leak', async () => {
    let finishCreate: (() => void) | undefined;
    const provider = fakeProvider({ create: () => new Promise<void>((resolve) => { finishCreate = resolve; }) });
    const pool = createPool(provider, { max: 1 });
    const controller = new AbortController();
    const aborted = pool.acquire({ signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    controller.abort();
    expect(isPoolError(await aborted, 'POOL_ABORTED')).toBe(true);
    finishCreate?.();
    await flush();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, borrowed: 0 });
    expectConsistent(pool);
    await pool.close();
  });

  it('aborting after the lease was granted does nothing to the lease', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const controller = new AbortController();
    const lease = await pool.acquire({ signal: controller.signal });
    controller.abort();
    expect(lease.released).toBe(false);
    lease.release();
    expect(pool.stats().totals.aborted).toBe(0);
    await pool.close();
  });

  it('removing many aborted waiters keeps the queue consistent and serves the rest in order', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const controllers = Array.from({ length: 500 }, () => new AbortController());
    const served: number[] = [];
    const all = controllers.map((controller, i) =>
      pool.acquire({ signal: controller.signal }).then((lease) => { served.push(i); lease.release(); }, () => undefined));
    controllers.forEach((controller, i) => { if (i % 3 !== 0) controller.abort(); });
    await flush();
    expect(pool.stats().pending).toBe(167);
    held.release();
    await Promise.all(all);
    expect(served).toEqual(controllers.map((_, i) => i).filter((i) => i % 3 === 0));
    await pool.close();
  });

  it('row 34 (core part): use() aborted mid-call rejects and destroys the resource at once, never reused', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    const controller = new AbortController();
    let finishCall: (() => void) | undefined;
    const result = pool.use((fake) => new Promise<number>((resolve) => { finishCall = () => resolve(fake.id); }), { signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    controller.abort(new Error('caller gave up'));
    expect(isPoolError(await result, 'POOL_ABORTED')).toBe(true);
    // destroyed without waiting for the call: a blocking call that never returns cannot pin the slot
    expect(provider.destroyed).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ borrowed: 0, size: 0, totals: { aborted: 1 } });
    const next = await pool.acquire();
    expect(next.resource.id).toBe(2);
    finishCall?.(); // the abandoned call ending later changes nothing
    await flush();
    expect(provider.destroyed).toHaveLength(1);
    next.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('use() with a signal that never aborts releases normally', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const controller = new AbortController();
    expect(await pool.use((fake) => fake.id, { signal: controller.signal })).toBe(1);
    await expect(pool.use(() => { throw new Error('query error'); }, { signal: controller.signal })).rejects.toThrow('query error');
    expect(pool.stats()).toMatchObject({ idle: 1, totals: { destroyed: 0 } });
    await pool.close();
  });

  it('use(): timeoutMs bounds the wait for a resource, not fn; AbortSignal.timeout bounds the whole call', async () => {
    const provider = fakeProvider();
    const pool = createPool(provider, { max: 1 });
    // timeoutMs is acquire's deadline: a resource is free at once, so a slow fn runs to its end
    const slow = await pool.use((fake) => new Promise<number>((resolve) => setTimeout(() => resolve(fake.id), 60)), { timeoutMs: 20 });
    expect(slow).toBe(1);
    expect(pool.stats()).toMatchObject({ idle: 1, totals: { destroyed: 0, timeouts: 0 } });
    // a signal from AbortSignal.timeout bounds fn as well: the call is abandoned and its resource destroyed
    const hung = pool.use(() => new Promise<never>(() => {}), { signal: AbortSignal.timeout(20) });
    const error = (await hung.catch((caught: unknown) => caught)) as PoolError;
    expect(isPoolError(error, 'POOL_ABORTED')).toBe(true);
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(provider.destroyed).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ borrowed: 0, size: 0 });
    await pool.close();
  });
});
