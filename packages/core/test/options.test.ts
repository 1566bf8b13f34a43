import { describe, expect, it } from 'vitest';
import { createPool, isPoolError, PoolOptionError, resolveOptions, type PoolOptions } from '../src/index.js';
import { fakeProvider } from './helpers/fake-provider.js';

function optionError(options: unknown): PoolOptionError {
  try {
    createPool(fakeProvider(), options as PoolOptions);
  } catch (error) {
    expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
    return error as PoolOptionError;
  }
  throw new Error('expected createPool to throw');
}

describe('options (reliability row 36: untrusted config)', () => {
  it('applies the documented defaults', () => {
    const options = resolveOptions({});
    expect(options).toMatchObject({
      min: 0, max: 10, grow: 1, acquireTimeoutMs: 30_000, createTimeoutMs: 10_000, destroyTimeoutMs: 5_000,
      validateTimeoutMs: 5_000, idleTimeoutMs: 300_000, maxLifetimeMs: 1_800_000, maxLifetimeJitter: 0.1,
      maxUses: Infinity, validateAfterIdleMs: 1_000, keepaliveIntervalMs: 0, maxWaiting: Infinity, order: 'lifo',
      retryMinDelayMs: 100, retryMaxDelayMs: 10_000, leakDetectionMs: 0, maxConcurrentCreates: 2, failFastAfter: 5, name: 'pool',
    });
  });

  it.each([
    [{ mxa: 3 }, 'mxa', /Unknown option `mxa`/],
    [JSON.parse('{"__proto__": {"max": 1}}'), '__proto__', /Unknown option `__proto__`/],
    [{ max: 0 }, 'max', /Expected `max` to be an integer >= 1, got 0 \(number\)/],
    [{ max: 2.5 }, 'max', /integer/],
    [{ max: Number.NaN }, 'max', /got NaN/],
    [{ max: '10' }, 'max', /got "10" \(string\)/],
    [{ min: -1 }, 'min', />= 0/],
    [{ min: 5, max: 2 }, 'min', /`min` \(5\) to be <= `max` \(2\)/],
    [{ acquireTimeoutMs: -5 }, 'acquireTimeoutMs', />= 1/],
    [{ idleTimeoutMs: Number.NaN }, 'idleTimeoutMs', /NaN/],
    [{ maxLifetimeJitter: 2 }, 'maxLifetimeJitter', /<= 1/],
    [{ grow: 'triple' }, 'grow', /"double"/],
    [{ grow: 0 }, 'grow', />= 1/],
    [{ order: 'random' }, 'order', /"lifo" or "fifo"/],
    [{ retry: { minDelayMs: 500, maxDelayMs: 100 } }, 'retry.maxDelayMs', />= `retry.minDelayMs`/],
    [{ retry: { tries: 3 } }, 'retry.tries', /Unknown option `retry.tries`/],
    [{ retry: 5 }, 'retry', /to be an object/],
    [{ failFast: true }, 'failFast', /object/],
    [{ failFast: { afterFailures: 0 } }, 'failFast.afterFailures', />= 1/],
    [{ maxConcurrentCreates: 0 }, 'maxConcurrentCreates', />= 1/],
    [{ maxWaiting: -1 }, 'maxWaiting', />= 0/],
    [{ name: '' }, 'name', /non-empty string/],
    [{ logger: { info() {} } }, 'logger', /pino-shaped/],
  ])('rejects %j naming `%s`', (options, key, message) => {
    const error = optionError(options);
    expect(error.option).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('rejects options that are not an object', () => {
    expect(optionError(42).option).toBe('options');
    expect(optionError([1]).option).toBe('options');
  });

  it('rejects a provider without create, or with a hook that is not a function', () => {
    expect(() => createPool({} as never)).toThrow(/provider object with a `create` function/);
    try {
      createPool({ create: async () => 1, validate: 'yes' } as never);
      expect.unreachable();
    } catch (error) {
      expect((error as PoolOptionError).option).toBe('provider.validate');
    }
  });

  it('accepts Infinity where a limit can be off, and grow "double"', () => {
    const pool = createPool(fakeProvider(), { acquireTimeoutMs: Infinity, maxUses: Infinity, maxWaiting: Infinity, idleTimeoutMs: Infinity, grow: 'double', failFast: false });
    expect(pool.options.acquireTimeoutMs).toBe(Infinity);
    expect(pool.options.grow).toBe('double');
    expect(pool.options.failFastAfter).toBe(Infinity);
  });

  it('rejects bad per-acquire options with POOL_INVALID_OPTION, leaving the pool intact', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'timeoutMs' });
    await expect(pool.acquire({ priority: Number.NaN })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION', option: 'priority' });
    const lease = await pool.acquire();
    await expect(pool.acquire({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
    lease.release();
    // an idle resource taken by the fast path for validation goes back when the options are bad
    expect(pool.stats()).toMatchObject({ idle: 1, borrowed: 0, pending: 0 });
    await pool.close();
  });

  it('refuses bad per-acquire options even with an idle resource at hand, and a signal that is not an AbortSignal', async () => {
    const pool = createPool(fakeProvider(), { max: 1 });
    (await pool.acquire()).release(); // one idle resource: the fast path would hand it over at once
    const bad: unknown[] = [{ timeoutMs: -5 }, { priority: 'high' }, { signal: 'stop' }, { signal: { aborted: false } }, 'nope', null];
    for (const options of bad) {
      await expect(pool.acquire(options as never)).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
      await expect(pool.use(() => 'ran', options as never)).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
    }
    await expect(pool.acquire({ signal: 'stop' } as never)).rejects.toThrow(/Expected `signal` to be an AbortSignal, got "stop" \(string\)/);
    expect(pool.stats()).toMatchObject({ idle: 1, borrowed: 0, pending: 0, totals: { acquired: 1 } });
    const lease = await pool.acquire({ signal: new AbortController().signal, priority: 2, timeoutMs: 100 });
    lease.release();
    await pool.close();
  });

  it('rejects bad resize and close arguments', async () => {
    const pool = createPool(fakeProvider(), { max: 3 });
    expect(() => pool.resize({ max: 0 })).toThrow(/`max`/);
    expect(() => pool.resize({ min: 4 })).toThrow(/`min` \(4\) to be <= `max` \(3\)/);
    expect(() => pool.resize({ size: 3 } as never)).toThrow(/Unknown option `size`/);
    expect(pool.options.max).toBe(3);
    await expect(pool.close({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'POOL_INVALID_OPTION' });
    await pool.close();
  });
});
