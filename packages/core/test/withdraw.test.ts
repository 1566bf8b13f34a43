import { describe, expect, it, vi } from 'vitest';
import { createPool, type WaitPlace } from '../src/index.js';
import { expectConsistent, fakeProvider, flush } from './helpers/fake-provider.js';

const place = (): WaitPlace => ({ ticket: undefined });

describe('acquireWithdrawable / withdraw: a caller that gives up without an AbortSignal leaves the line', () => {
  it('a withdrawn plain caller rejects with the given error, stops counting as waiting, and is never served', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const cut = place();
    const withdrawn = pool.acquireWithdrawable(cut).catch((error: unknown) => error);
    const later = pool.acquire();
    await flush();
    expect(pool.stats().pending).toBe(2);
    const reason = new Error('no reply from the server');
    expect(pool.withdraw(cut, reason)).toBe(true);
    expect(await withdrawn).toBe(reason);
    expect(pool.stats()).toMatchObject({ pending: 1, totals: { aborted: 1 } });
    // the released resource goes to the caller behind, not to the withdrawn one
    held.release();
    const next = await later;
    expect(next.resource).toBe(held.resource);
    next.release();
    expectConsistent(pool);
    await pool.close();
  });

  it('a caller kept as a Waiter (leak detection keeps its stack) is withdrawn too, and its deadline goes with it', async () => {
    vi.useFakeTimers();
    try {
      const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: 1_000, leakDetectionMs: 60_000 });
      const held = await pool.acquire();
      const cut = place();
      const withdrawn = pool.acquireWithdrawable(cut).catch((error: unknown) => error);
      const prioritized = pool.acquire({ priority: 1, timeoutMs: 5_000 });
      expect(pool.stats().pending).toBe(2);
      const reason = new Error('cut');
      expect(pool.withdraw(cut, reason)).toBe(true);
      expect(await withdrawn).toBe(reason);
      expect(pool.stats().pending).toBe(1);
      // the withdrawn caller's 1 s deadline never fires a second settlement
      await vi.advanceTimersByTimeAsync(1_500);
      expect(pool.stats().totals).toMatchObject({ timeouts: 0, aborted: 1 });
      held.release();
      (await prioritized).release();
      expectConsistent(pool);
      await pool.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes acquire options too: a caller with its own priority and timeout is withdrawn and counted once', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const plain = pool.acquire();
    const cut = place();
    const withdrawn = pool.acquireWithdrawable(cut, { priority: 2, timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(pool.stats().pending).toBe(2);
    const reason = new Error('cut');
    expect(pool.withdraw(cut, reason)).toBe(true);
    expect(pool.withdraw(cut, reason)).toBe(false);
    expect(await withdrawn).toBe(reason);
    expect(pool.stats()).toMatchObject({ pending: 1, totals: { aborted: 1 } });
    held.release();
    (await plain).release();
    expectConsistent(pool);
    await pool.close();
  });

  it("withdraw(place, error, 'rejected') counts a caller the pool failed (an adapter's failed connect) as rejected, not aborted: a plain caller and a Waiter alike", async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const [plain, waiter] = [place(), place()];
    const failed = [pool.acquireWithdrawable(plain), pool.acquireWithdrawable(waiter, { timeoutMs: 5_000 })].map((p) => p.catch((error: unknown) => error));
    const reason = new Error('connect ECONNREFUSED');
    expect(pool.withdraw(plain, reason, 'rejected')).toBe(true);
    expect(pool.withdraw(waiter, reason, 'rejected')).toBe(true);
    expect(await Promise.all(failed)).toEqual([reason, reason]);
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { aborted: 0, rejected: 2 } });
    expect(() => pool.withdraw(place(), reason, 'timeouts' as never)).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'counted' }));
    held.release();
    await pool.close();
  });

  it('a place that is not an object is POOL_INVALID_OPTION, and the pool is untouched', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    await expect(pool.acquireWithdrawable(undefined as unknown as WaitPlace)).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'place' });
    expect(() => pool.withdraw(null as unknown as WaitPlace, new Error('cut'))).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION' }));
    expect(pool.stats()).toMatchObject({ pending: 0, borrowed: 0, totals: { acquired: 0, aborted: 0 } });
    await pool.close();
  });

  it('returns false, and changes nothing, for a caller already served or never queued', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    // served at once from an idle resource: never in line
    const warm = await pool.acquire();
    warm.release();
    const immediate = place();
    const lease = await pool.acquireWithdrawable(immediate);
    expect(pool.withdraw(immediate, new Error('late'))).toBe(false);
    // queued, then served by a release before the withdraw
    const queued = place();
    const waiting = pool.acquireWithdrawable(queued);
    lease.release();
    const served = await waiting;
    expect(pool.withdraw(queued, new Error('late'))).toBe(false);
    expect(served.released).toBe(false);
    expect(pool.stats()).toMatchObject({ pending: 0, borrowed: 1, totals: { aborted: 0 } });
    served.release();
    await pool.close();
  });

  it('a withdraw of the only waiter stops the deadline timer: nothing keeps the process alive', async () => {
    vi.useFakeTimers();
    try {
      const pool = createPool(fakeProvider(), { max: 1, acquireTimeoutMs: 60_000 });
      const held = await pool.acquire();
      const cut = place();
      const withdrawn = pool.acquireWithdrawable(cut).catch(() => 'withdrawn');
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      const timersWhileWaiting = vi.getTimerCount();
      pool.withdraw(cut, new Error('cut'));
      expect(await withdrawn).toBe('withdrawn');
      expect(vi.getTimerCount()).toBe(timersWhileWaiting - 1);
      held.release();
      await pool.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('many withdrawn callers in a long line: the rest are served in order, the line stays consistent', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    const held = await pool.acquire();
    const places = Array.from({ length: 200 }, place);
    const outcomes = places.map((p, i) => pool.acquireWithdrawable(p).then((lease) => {
      lease.release();
      return i;
    }, () => -1));
    // withdraw every caller but each tenth
    for (let i = 0; i < places.length; i++) if (i % 10 !== 0) pool.withdraw(places[i] as WaitPlace, new Error('cut'));
    expect(pool.stats().pending).toBe(20);
    held.release();
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r >= 0)).toEqual(Array.from({ length: 20 }, (_, k) => k * 10));
    expect(pool.stats()).toMatchObject({ pending: 0, totals: { aborted: 180 } });
    expectConsistent(pool);
    await pool.close();
  });
  it('a caller whose idle resource is being validated for it is withdrawn too (it waits outside the line); the resource goes back idle once its ping ends', async () => {
    vi.useFakeTimers();
    try {
      let answer: ((healthy: boolean) => void) | undefined;
      const pool = createPool(fakeProvider({ validate: () => new Promise<boolean>((resolve) => { answer = resolve; }) }), { max: 1, validateAfterIdleMs: 100 });
      (await pool.acquire()).release();
      await vi.advanceTimersByTimeAsync(200); // idle long enough to be pinged before its next lend
      const cut = place();
      const withdrawn = pool.acquireWithdrawable(cut).catch((error: unknown) => error);
      await flush();
      expect(answer).toBeDefined(); // the ping is in flight, the caller held for it
      const reason = new Error('no reply from the server');
      expect(pool.withdraw(cut, reason)).toBe(true);
      expect(await withdrawn).toBe(reason);
      expect(pool.withdraw(cut, reason)).toBe(false);
      expect(pool.stats()).toMatchObject({ pending: 0, totals: { aborted: 1 } });
      answer?.(true);
      await flush();
      expect(pool.stats()).toMatchObject({ idle: 1, borrowed: 0 }); // not lent to the withdrawn caller
      // its deadline never fires a second settlement
      await vi.advanceTimersByTimeAsync(31_000);
      expect(pool.stats().totals).toMatchObject({ timeouts: 0, aborted: 1 });
      expectConsistent(pool);
      await pool.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a plain caller held for a validation after it waited in line (dispatch on resume) is withdrawn by the place it recorded', async () => {
    vi.useFakeTimers();
    try {
      let answer: ((healthy: boolean) => void) | undefined;
      const pool = createPool(fakeProvider({ validate: () => new Promise<boolean>((resolve) => { answer = resolve; }) }), { max: 1, validateAfterIdleMs: 100 });
      (await pool.acquire()).release();
      await vi.advanceTimersByTimeAsync(200);
      pool.pause();
      const cut = place();
      const withdrawn = pool.acquireWithdrawable(cut).catch((error: unknown) => error);
      expect(pool.stats().pending).toBe(1);
      pool.resume(); // dispatch: the idle resource is due for its ping, the caller is held for it
      await flush();
      expect(answer).toBeDefined();
      expect(pool.stats().pending).toBe(0);
      const reason = new Error('cut');
      expect(pool.withdraw(cut, reason)).toBe(true);
      expect(await withdrawn).toBe(reason);
      answer?.(false); // the ping fails: the resource is replaced, and no one is owed it
      await flush();
      await vi.advanceTimersByTimeAsync(31_000);
      expect(pool.stats().totals).toMatchObject({ timeouts: 0, aborted: 1, validationFailures: 1 });
      expectConsistent(pool);
      await pool.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
