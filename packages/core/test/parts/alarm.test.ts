import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Alarm } from '../../src/alarm.js';

// The Alarm alone: one timer, aimed at the earliest time asked of it (the waiting room's deadlines,
// the creator's paced attempts and the keeper's sweep each own one).

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Alarm', () => {
  it('rings once, at the earliest time asked; a later time changes nothing, an earlier one re-aims it', async () => {
    const rings: number[] = [];
    const alarm = new Alarm(() => rings.push(Math.round(performance.now())), true);
    const start = Math.round(performance.now());
    alarm.setBy(start + 100);
    alarm.setBy(start + 500); // later: ignored
    expect(alarm.at).toBe(start + 100);
    alarm.setBy(start + 50); // earlier: re-aimed
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rings).toEqual([start + 50]);
    expect(alarm.at).toBe(Infinity);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() disarms it; Infinity never arms it', async () => {
    const ring = vi.fn();
    const alarm = new Alarm(ring, false);
    alarm.setBy(Infinity);
    expect(vi.getTimerCount()).toBe(0);
    alarm.setBy(performance.now() + 10);
    alarm.stop();
    expect(alarm.at).toBe(Infinity);
    await vi.advanceTimersByTimeAsync(100);
    expect(ring).not.toHaveBeenCalled();
  });

  it('an unref\'d alarm never keeps the process alive; a ref\'d one (waiting callers) does', () => {
    vi.useRealTimers();
    const unrefd = new Alarm(() => undefined, true);
    const refd = new Alarm(() => undefined, false);
    unrefd.setBy(performance.now() + 60_000);
    refd.setBy(performance.now() + 60_000);
    const timers = (alarm: Alarm) => (alarm as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timers(unrefd).hasRef()).toBe(false);
    expect(timers(refd).hasRef()).toBe(true);
    unrefd.stop();
    refd.stop();
  });
});
