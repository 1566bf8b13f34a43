import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseNow } from '../src/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarse clock', () => {
  it('is a whole millisecond, never more than 31 calls behind the real clock, never ahead by a millisecond', () => {
    const readings: Array<[number, number]> = [];
    for (let i = 0; i < 200; i++) readings.push([coarseNow(), performance.now()]);
    for (const [coarse, exact] of readings) {
      expect(Number.isInteger(coarse)).toBe(true);
      expect(coarse - exact).toBeLessThan(1);
      expect(exact - coarse).toBeLessThan(50);
    }
  });

  it('switching to fake timers and back never returns a value from the other clock', () => {
    coarseNow(); // warm the cache with the real clock
    vi.useFakeTimers();
    vi.advanceTimersByTime(1_234);
    expect(coarseNow()).toBe(performance.now());
    vi.advanceTimersByTime(10);
    vi.useRealTimers();
    const real = performance.now();
    expect(Math.abs(coarseNow() - real)).toBeLessThan(50);
  });

  it('drops its cached value at the next event-loop turn', async () => {
    vi.useFakeTimers();
    const first = coarseNow();
    vi.setSystemTime(Date.now()); // keep Date in step; performance.now moves with the timers below
    await vi.advanceTimersByTimeAsync(500);
    expect(coarseNow()).toBeGreaterThanOrEqual(first + 500);
  });
});
