import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseNow, now } from '../src/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarse clock', () => {
  it('is a whole millisecond, read once per event-loop turn, never ahead of the real clock by a millisecond', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // start in a fresh turn: nothing cached
    // a stand-in clock that moves a fixed step between calls, so the test reads what coarseNow does
    // with it, not how long a loaded machine paused this loop
    const step = 0.37;
    let t = 10_000.1;
    const read = vi.spyOn(performance, 'now').mockImplementation(() => t);
    try {
      const first = coarseNow();
      expect(first).toBe(10_001); // rounded up, so never more than 1 ms ahead of the reading
      for (let i = 0; i < 200; i++) {
        t += step;
        expect(coarseNow()).toBe(first); // the same turn: the cached value, behind (earlier), never ahead
      }
      expect(read).toHaveBeenCalledTimes(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(coarseNow()).toBe(Math.ceil(t)); // a new turn: read again
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      read.mockRestore();
    }
  });

  it('switching to fake timers and back never returns a value from the other clock', () => {
    coarseNow(); // warm the cache with the real clock
    vi.useFakeTimers();
    vi.advanceTimersByTime(1_234);
    expect(coarseNow()).toBe(performance.now());
    vi.advanceTimersByTime(10);
    vi.useRealTimers();
    // bracketed by two real readings: a fresh real value, rounded up, whatever the machine's load
    const before = performance.now();
    const coarse = coarseNow();
    const after = performance.now();
    expect(coarse).toBeGreaterThanOrEqual(before);
    expect(coarse).toBeLessThan(after + 1);
  });

  it('an exact reading after a switch of timers never leaves a value of the other clock cached', () => {
    vi.useFakeTimers();
    vi.advanceTimersByTime(5_000);
    expect(coarseNow()).toBe(5_000); // cached from the fake clock
    vi.useRealTimers();
    now(); // sees the switch first
    const before = performance.now();
    expect(coarseNow()).toBeGreaterThanOrEqual(before); // a real reading, not the fake 5000
  });

  it('drops its cached value at the next event-loop turn', async () => {
    vi.useFakeTimers();
    const first = coarseNow();
    vi.setSystemTime(Date.now()); // keep Date in step; performance.now moves with the timers below
    await vi.advanceTimersByTimeAsync(500);
    expect(coarseNow()).toBeGreaterThanOrEqual(first + 500);
  });
});
