import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseNow } from '../src/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarse clock', () => {
  it('is a whole millisecond, re-read on every 32nd call, never ahead of the real clock by a millisecond', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // start in a fresh turn: nothing cached
    // a stand-in clock that moves a fixed step between calls: on the real clock, a loaded machine
    // can pause this loop anywhere, and "how far behind" would measure the pause, not coarseNow
    const step = 0.37;
    let t = 10_000.1;
    const read = vi.spyOn(performance, 'now').mockImplementation(() => t);
    try {
      for (let i = 0; i < 200; i++) {
        t += step;
        const coarse = coarseNow();
        expect(Number.isInteger(coarse)).toBe(true);
        expect(coarse - t).toBeLessThan(1);
        expect(t - coarse).toBeLessThanOrEqual(31 * step); // at most 31 calls old
      }
      expect(read).toHaveBeenCalledTimes(7); // calls 1, 33, 65, ..., 193
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

  it('drops its cached value at the next event-loop turn', async () => {
    vi.useFakeTimers();
    const first = coarseNow();
    vi.setSystemTime(Date.now()); // keep Date in step; performance.now moves with the timers below
    await vi.advanceTimersByTimeAsync(500);
    expect(coarseNow()).toBeGreaterThanOrEqual(first + 500);
  });
});
