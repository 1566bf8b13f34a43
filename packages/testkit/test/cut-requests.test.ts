import { PoolError, PoolTimeoutError } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { cutRequests, expectCutRun } from '../src/index.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('aborted'), { code: 'X_ABORTED', cause: signal.reason }));
    });
  });

describe('cutRequests', () => {
  it('one in five calls is cut while its slow reply is on its way; the others get their own reply', async () => {
    const sent: { i: number; slow: boolean; timeoutMs?: number }[] = [];
    const run = await cutRequests(
      async (i, slow, { signal, timeoutMs }) => {
        sent.push({ i, slow, timeoutMs });
        await Promise.race([sleep(slow ? 10 : 0, signal), timeoutMs === undefined ? new Promise(() => {}) : sleep(timeoutMs).then(() => Promise.reject(new PoolTimeoutError('query', timeoutMs, 'timed out')))]);
        return i !== 5;
      },
      (error) => (error as { code?: unknown }).code === 'X_ABORTED',
      { total: 100, callers: 4 },
    );
    expect(sent).toHaveLength(100);
    expect(sent.filter((s) => s.slow)).toHaveLength(30);
    expect(sent.filter((s) => s.timeoutMs === 3).map((s) => s.i % 10)).toEqual(Array(10).fill(1));
    expect(run).toEqual({ ok: 79, wrong: 1, cutMidReply: 20, cutWhileQueued: 0, unexpected: [] });
    // one reply went to the wrong caller: row 34's checks fail
    expect(() => expectCutRun(run, 100)).toThrow();
    expect(() => expectCutRun({ ...run, ok: 80, wrong: 0 }, 100)).not.toThrow();
  });

  it('expectCutRun: too few cuts that landed mid-reply, or a lost call, fail', () => {
    const clean = { ok: 8_000, wrong: 0, cutMidReply: 501, cutWhileQueued: 1_499, unexpected: [] };
    expect(() => expectCutRun(clean)).not.toThrow();
    expect(() => expectCutRun({ ...clean, cutMidReply: 500, cutWhileQueued: 1_500 })).toThrow();
    expect(() => expectCutRun({ ...clean, cutWhileQueued: 1_498 })).toThrow();
    expect(() => expectCutRun({ ...clean, unexpected: [new Error('x')] })).toThrow();
  });

  it('a cut before sending is counted apart; a failure of a call that was not cut is unexpected', async () => {
    const run = await cutRequests(
      async (i) => {
        if (i % 10 === 0) throw new PoolError('POOL_ABORTED', 'aborted while waiting');
        if (i % 10 === 1) throw new PoolTimeoutError('acquire', 3, 'no socket in time');
        if (i === 7) throw new Error('boom');
        return true;
      },
      () => false,
      { total: 20, callers: 2 },
    );
    expect(run.cutWhileQueued).toBe(4);
    expect(run.cutMidReply).toBe(0);
    expect(run.unexpected).toHaveLength(1);
    expect(run.ok).toBe(15);
  });
});
