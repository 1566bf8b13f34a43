import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPool, isPoolError, unwatchAbort, watchAbort } from '../src/index.js';
import { fakeProvider, flush } from './helpers/fake-provider.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('one shared AbortSignal, many callers', () => {
  it('50 waiters on one signal: the signal holds one listener, no MaxListenersExceededWarning, and an abort rejects every one', async () => {
    process.on('warning', onWarning);
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const shutdown = new AbortController();
    const waiting = Array.from({ length: 50 }, () => pool.acquire({ signal: shutdown.signal }).catch((error: unknown) => error));
    await flush();
    expect(pool.stats().pending).toBe(50);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    shutdown.abort(new Error('shutting down'));
    const errors = await Promise.all(waiting);
    expect(errors.every((error) => isPoolError(error, 'POOL_ABORTED'))).toBe(true);
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { aborted: 50 } });
    await new Promise((resolve) => setImmediate(resolve)); // Node emits the warning on a later tick
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    held.release();
    await pool.close();
  });

  it('50 use() calls sharing a signal leave no listener behind once they finish', async () => {
    process.on('warning', onWarning);
    const pool = createPool(fakeProvider(), { max: 5 });
    const request = new AbortController();
    await Promise.all(Array.from({ length: 50 }, (_, i) => pool.use(async () => { await flush(); return i; }, { signal: request.signal })));
    expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(pool.stats()).toMatchObject({ borrowed: 0, totals: { aborted: 0 } });
    await pool.close();
  });

  it('watchAbort calls each watcher once, skips unwatched ones, and a watcher that throws does not stop the others', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => { calls.push('b'); throw new Error('watcher b failed'); };
    const c = () => calls.push('c');
    const gone = () => calls.push('gone');
    for (const watcher of [a, b, gone, c]) watchAbort(controller.signal, watcher);
    unwatchAbort(controller.signal, gone);
    const uncaught = vi.fn();
    const original = queueMicrotask;
    // the thrown error is rethrown from a microtask: catch it there instead of crashing the test run
    vi.stubGlobal('queueMicrotask', (task: () => void) => original(() => { try { task(); } catch (error) { uncaught(error); } }));
    try {
      controller.abort();
      await flush();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(uncaught).toHaveBeenCalledWith(expect.objectContaining({ message: 'watcher b failed' }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('the signal loses its listener with its last watcher', () => {
    const controller = new AbortController();
    const one = () => {};
    const two = () => {};
    watchAbort(controller.signal, one);
    watchAbort(controller.signal, two);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    unwatchAbort(controller.signal, one);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    unwatchAbort(controller.signal, two);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    unwatchAbort(controller.signal, two); // a second unwatch is a no-op
  });
});
