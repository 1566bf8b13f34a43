import type { LookupFunction } from 'node:net';
import { createPool, type PoolError } from '@pool/core';
import { poolSource } from '@pool/core/adapter-kit';
import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool, httpProvider } from '../src/index.js';

// httpProvider in a @pool/core pool of the user's own. Core's default createTimeoutMs (10 s) equals
// undici's connect timeout (10 s), and undici's timer ticks about once a second, so at the defaults
// which error a connect that hangs ends with is a tie: core's "create timed out after 10000 ms" or
// undici's ConnectTimeoutError. The provider says what it needs (`createTimeoutMs`, the connect
// timeout plus 1.5 s) and the README's example passes it: then it is undici's error, every time.

const origin = 'http://never.test:8080';
// a name whose lookup never answers keeps the socket connecting
const never: LookupFunction = () => undefined;

/** What a caller of the user's own pool sees when every connect hangs: the error of `use()`, and the first create error the pool reports. */
async function hangingConnect(provider: ReturnType<typeof httpProvider>, acquireTimeoutMs: number) {
  const pool = createPool(provider, { max: 4, createTimeoutMs: provider.createTimeoutMs, acquireTimeoutMs });
  const reported: Array<{ error: PoolError; ms: number }> = [];
  const startedAt = Date.now();
  pool.on('error', (error) => reported.push({ error, ms: Date.now() - startedAt }));
  const error = await pool.use(() => 'connected').then(() => undefined, (caught: unknown) => caught as PoolError);
  await pool.close();
  return { error, first: reported[0]?.error, firstReportMs: reported[0]?.ms ?? -1 };
}

describe('httpProvider in a pool of your own: createTimeoutMs', () => {
  it('is the connect timeout plus 1.5 s (connect.timeout, else client.connectTimeout, else undici\'s 10 s); createHttpPool uses it', () => {
    expect(httpProvider({ origin }).createTimeoutMs).toBe(11_500);
    expect(httpProvider({ origin, client: { connectTimeout: 300 } }).createTimeoutMs).toBe(1_800);
    expect(httpProvider({ origin, client: { connectTimeout: 300 }, connect: { timeout: 2_000 } }).createTimeoutMs).toBe(3_500);
    expect(httpProvider({ origin, client: { connectTimeout: 0 } }).createTimeoutMs).toBe(Infinity);
    // `connect`'s keys win over the Client's as given, as in undici's Client: an explicit undefined or
    // null `timeout` there means undici's 10 s, whatever `client.connectTimeout` says (before: 1.8 s
    // here, so core cut a connect undici would have let run for 10 s)
    expect(httpProvider({ origin, client: { connectTimeout: 300 }, connect: { timeout: undefined } }).createTimeoutMs).toBe(11_500);
    expect(httpProvider({ origin, client: { connectTimeout: 300 }, connect: { timeout: null as unknown as number } }).createTimeoutMs).toBe(11_500);
    const pool = createHttpPool({ origin, client: { connectTimeout: 300 } });
    expect(pool[poolSource]()[0]?.options.createTimeoutMs).toBe(1_800);
    void pool.destroy();
  });

  it('a connect that hangs, at the defaults: the caller sees undici\'s ConnectTimeoutError (the cause of POOL_CREATE_FAILED), not a core create timeout', async () => {
    const { error, first, firstReportMs } = await hangingConnect(httpProvider({ origin, connect: { lookup: never } }), 12_500);
    expect(error).toMatchObject({ code: 'POOL_CREATE_FAILED' });
    expect(error?.cause).toBeInstanceOf(errors.ConnectTimeoutError);
    expect(error?.cause).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT', message: expect.stringContaining('timeout: 10000ms') });
    expect(first?.cause).toBeInstanceOf(errors.ConnectTimeoutError);
    expect(firstReportMs).toBeGreaterThanOrEqual(9_500);
    expect(firstReportMs).toBeLessThan(11_500);
  }, 20_000);

  it('the same with client: { connectTimeout: 300 }, about a second later (undici\'s timer resolution)', async () => {
    const { error, first, firstReportMs } = await hangingConnect(httpProvider({ origin, connect: { lookup: never }, client: { connectTimeout: 300 } }), 2_500);
    expect(error).toMatchObject({ code: 'POOL_CREATE_FAILED' });
    expect(error?.cause).toBeInstanceOf(errors.ConnectTimeoutError);
    expect(first?.cause).toBeInstanceOf(errors.ConnectTimeoutError);
    expect(firstReportMs).toBeLessThan(2_000);
  });
});
