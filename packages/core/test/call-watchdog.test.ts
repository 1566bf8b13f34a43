import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallWatchdog } from '../adapter-kit/index.js';
import { isPoolError, type PoolError } from '../src/index.js';

/** A probe the test answers (or not) by hand. */
function manualProbe() {
  const calls: { resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal }[] = [];
  const probe = vi.fn((signal: AbortSignal) => new Promise<void>((resolve, reject) => { calls.push({ resolve, reject, signal }); }));
  return { probe, calls };
}

describe('CallWatchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never probes while calls get their replies within the threshold', async () => {
    const { probe } = manualProbe();
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    for (let i = 0; i < 10; i++) {
      const call = dog.watch(() => expect.unreachable());
      await vi.advanceTimersByTimeAsync(900);
      call.done();
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).not.toHaveBeenCalled();
    expect(dog.size).toBe(0);
  });

  it('lets a slow call on a live server run: the probe answers, the call is not failed, the next check comes a threshold later', async () => {
    const { probe, calls } = manualProbe();
    const fail = vi.fn();
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    const call = dog.watch(fail);
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe).toHaveBeenCalledTimes(1);
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(999);
    expect(probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(2);
    calls[1]!.resolve();
    // a long query on a live server: each check answers, the call runs on for as long as it takes
    for (let second = 0; second < 6; second++) {
      await vi.advanceTimersByTimeAsync(1000);
      calls.at(-1)!.resolve();
    }
    expect(probe).toHaveBeenCalledTimes(8);
    call.done();
    expect(fail).not.toHaveBeenCalled();
  });

  it('fails every overdue call with POOL_SERVER_UNRESPONSIVE by threshold + check timeout when the server is silent', async () => {
    const { probe, calls } = manualProbe();
    const failures: PoolError[] = [];
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe, pool: 'pg' });
    dog.watch((e) => failures.push(e));
    await vi.advanceTimersByTimeAsync(200);
    dog.watch((e) => failures.push(e));
    await vi.advanceTimersByTimeAsync(800); // the first is due: one probe
    expect(probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(failures).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1); // the probe ran out of time
    expect(calls[0]!.signal.aborted).toBe(true);
    // the second fell due during the check (at 1200): it goes with the first, 1300 ms after it started,
    // not after a check of its own that would end past its 1500 ms bound
    expect(failures.map((e) => e.message)).toEqual([
      expect.stringMatching(/^\[pg\] no reply for 1500 ms/),
      expect.stringMatching(/^\[pg\] no reply for 1300 ms/),
    ]);
    expect(isPoolError(failures[0], 'POOL_SERVER_UNRESPONSIVE')).toBe(true);
    expect(dog.size).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('a call not yet due when the check failed gets a check of its own, by its own bound', async () => {
    const { probe, calls } = manualProbe();
    const failures: { at: number; error: PoolError }[] = [];
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    dog.watch((error) => failures.push({ at: Date.now(), error }));
    await vi.advanceTimersByTimeAsync(700);
    const started = Date.now();
    dog.watch((error) => failures.push({ at: Date.now(), error }));
    await vi.advanceTimersByTimeAsync(800); // the first probe fails at 1500; the second call is due at 1700
    expect(failures).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(probe).toHaveBeenCalledTimes(2);
    calls[1]!.reject(new Error('ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(0);
    expect(failures).toHaveLength(2);
    expect(failures[1]!.at - started).toBeLessThanOrEqual(1500);
    expect((failures[1]!.error.cause as Error).message).toBe('ECONNREFUSED');
  });

  it('takes another call\'s reply as proof of life', async () => {
    const { probe } = manualProbe();
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    const slow = dog.watch(() => expect.unreachable());
    await vi.advanceTimersByTimeAsync(800);
    dog.watch(() => expect.unreachable()).done();
    await vi.advanceTimersByTimeAsync(900);
    expect(probe).not.toHaveBeenCalled();
    slow.done();
  });

  it('a call that ended without a reply is no proof of life', async () => {
    const { probe } = manualProbe();
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    dog.watch(() => undefined);
    await vi.advanceTimersByTimeAsync(800);
    dog.watch(() => undefined).done(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(probe).toHaveBeenCalledTimes(1);
    dog.close();
  });

  it('after close, probes stop and new calls are not watched', async () => {
    const { probe } = manualProbe();
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    dog.watch(() => expect.unreachable());
    dog.close();
    dog.watch(() => expect.unreachable());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probe).not.toHaveBeenCalled();
    expect(dog.size).toBe(0);
  });

  it('calls settling out of order: only those still in flight when the silent server is found are failed, oldest first; a second done() is harmless', async () => {
    const { probe, calls } = manualProbe();
    const failed: number[] = [];
    const dog = new CallWatchdog({ thresholdMs: 1000, checkTimeoutMs: 500, probe });
    const watched = Array.from({ length: 6 }, (_, i) => dog.watch(() => failed.push(i)));
    // the middle, the first and the last settle (with no reply: no proof of life), twice for one
    for (const i of [2, 0, 5, 2]) watched[i]!.done(false);
    expect(dog.size).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe).toHaveBeenCalledTimes(1);
    calls[0]!.reject(new Error('no answer'));
    await vi.advanceTimersByTimeAsync(0);
    expect(failed).toEqual([1, 3, 4]);
    expect(dog.size).toBe(0);
    // the list is empty and usable again: a new call is watched and settles normally
    const next = dog.watch(() => failed.push(99));
    next.done();
    next.done();
    expect(dog.size).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(failed).toEqual([1, 3, 4]);
  });
});
