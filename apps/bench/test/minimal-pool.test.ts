import { describe, expect, it } from 'vitest';
import { MinimalPool } from '../src/pools/minimal-pool.js';

describe('the hand-written reference pool', () => {
  it('never lends more than max and serves waiters first come, first served', async () => {
    let made = 0;
    const pool = new MinimalPool(() => Promise.resolve({ id: made++ }), 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => pool.acquire().then((r) => {
      order.push(n);
      return r;
    }));
    pool.release(a);
    pool.release(b);
    const [first, second] = await Promise.all(waiting.slice(0, 2));
    expect([first, second]).toEqual([a, b]);
    pool.release(first as { id: number });
    expect(await waiting[2]).toBe(a);
    expect(order).toEqual([1, 2, 3]);
    expect(made).toBe(2);
  });
});
