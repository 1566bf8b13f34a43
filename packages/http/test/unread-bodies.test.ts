import { Pool, fetch, interceptors, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool, isPoolError } from '../src/index.js';
import { caught, shape, withServer } from './helpers/parity.js';
import { until, type Handler } from './helpers/server.js';

// A very common bug with undici: `await request(...)` and never reading `body`. A body larger than
// its stream's buffer (64 KiB for request()) makes undici stop reading the socket, so the response
// never ends and its connection is never given back. Once every connection is held that way, a
// waiting request gets POOL_TIMEOUT from us (after pool.acquireTimeoutMs), whose message now says so
// and what to do; undici's Pool keeps it waiting for ever (its bodyTimeout does not run while the
// unread body holds the socket paused).

const big = Buffer.alloc(1_000_000, 97);
/** `/big` answers 1 MB (far past the body's buffer), `/small` 1 KB, `/slow` after 1 s, `/trickle` 1 MB at once and its last bytes after 1 s. */
const handler: Handler = (req, res) => {
  if (req.url === '/slow') setTimeout(() => res.end('late'), 1_000);
  else if (req.url === '/trickle') {
    res.write(big);
    setTimeout(() => res.end('end'), 1_000);
  } else res.end(req.url === '/small' ? big.subarray(0, 1_000) : big);
};
const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
  Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('every connection held by a response whose body was not read', () => {
  it('side by side with undici\'s Pool: ours fails the waiting request with POOL_TIMEOUT saying so; undici\'s waits past its bodyTimeout, until a body is read', async () => {
    await withServer(handler, async (s) => {
      // undici: two connections, a 300 ms body timeout, both bodies left unread
      const undici = new Pool(s.origin, { connections: 2, bodyTimeout: 300 });
      const undiciHeld = [await undici.request({ path: '/big', method: 'GET' }), await undici.request({ path: '/big', method: 'GET' })];
      const undiciThird = undici.request({ path: '/small', method: 'GET' }).then(async (res) => (await res.body.text()).length, (error: unknown) => shape(error));
      expect(await settledWithin(undiciThird, 1_500)).toBe('still waiting'); // five body timeouts later
      await undiciHeld[0]?.body.dump();
      expect(await undiciThird).toBe(1_000); // answered once a body was read
      await undiciHeld[1]?.body.dump();
      await undici.close();

      const ours = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 2, acquireTimeoutMs: 300 } });
      const held = [await ours.request({ path: '/big', method: 'GET' }), await ours.request({ path: '/big', method: 'GET' })];
      const error = await caught(ours.request({ path: '/small', method: 'GET' }));
      expect(isPoolError(error, 'POOL_TIMEOUT')).toBe(true);
      expect(error).toMatchObject({ name: 'PoolTimeoutError', phase: 'acquire' });
      const message = (error as Error).message;
      expect(message).toMatch(/^\[http:127\.0\.0\.1:\d+\] acquire timed out after 300 ms \(2\/2 borrowed, \d+ waiting\); 2 of the 2 connections to http:\/\/127\.0\.0\.1:\d+ are held by responses whose bodies are not being read\./);
      expect(message).toContain('await body.dump()');
      expect(message).toContain('await res.body?.cancel()');
      // the fix the message gives
      await held[0]?.body.dump();
      expect((await (await ours.request({ path: '/small', method: 'GET' })).body.text()).length).toBe(1_000);
      await held[1]?.body.dump();
      await ours.close();
    });
  });

  it('the same with fetch (its unread body holds the connection too), and through compose() (the newer handler style)', async () => {
    await withServer(handler, async (s) => {
      const ours = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 2, acquireTimeoutMs: 300 } });
      const held = [await fetch(`${s.origin}/big`, { dispatcher: ours }), await fetch(`${s.origin}/big`, { dispatcher: ours })];
      const error = await caught(fetch(`${s.origin}/small`, { dispatcher: ours }));
      expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'POOL_TIMEOUT' } });
      expect(((error as Error).cause as Error).message).toContain('2 of the 2 connections');
      for (const res of held) await res.body?.cancel();
      expect((await (await fetch(`${s.origin}/small`, { dispatcher: ours })).arrayBuffer()).byteLength).toBe(1_000);

      const composed: Dispatcher = ours.compose(interceptors.retry({ maxRetries: 1 }));
      const viaCompose = [await composed.request({ origin: s.origin, path: '/big', method: 'GET' }), await composed.request({ origin: s.origin, path: '/big', method: 'GET' })];
      const composedError = await caught(composed.request({ origin: s.origin, path: '/small', method: 'GET' }));
      expect((composedError as Error).message).toContain('2 of the 2 connections');
      for (const res of viaCompose) await res.body.dump();
      await ours.close();
    });
  });

  it('a body being read, more slowly than the server sends it (paused and resumed by each read), is not called unread: request() and fetch', async () => {
    // before: a paused body counted however briefly it was paused, so a reader taking 20 ms per
    // chunk (undici pauses the socket between reads) was reported as "not being read"
    const huge = Buffer.alloc(16_000_000, 98);
    await withServer((_req, res) => res.end(huge), async (s) => {
      const pool = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: 500 } });
      let stop = false;
      const readSlowly = async (body: AsyncIterable<Uint8Array>) => {
        let chunks = 0;
        for await (const chunk of body) {
          if (chunk.length > 0) chunks++;
          if (stop) break; // the rest is not needed (breaking off destroys the response)
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return chunks;
      };
      const res = await pool.request({ path: '/huge', method: 'GET' });
      const reading = readSlowly(res.body);
      const error = await caught(pool.request({ path: '/next', method: 'GET' }));
      expect(error).toMatchObject({ code: 'POOL_TIMEOUT', message: expect.stringMatching(/acquire timed out after 500 ms \(1\/1 borrowed, \d+ waiting\)$/) });
      stop = true;
      expect(await reading).toBeGreaterThan(15); // it was being read all along
      stop = false;

      const viaFetch = await fetch(`${s.origin}/huge`, { dispatcher: pool });
      const fetchReading = readSlowly(viaFetch.body as AsyncIterable<Uint8Array>);
      const fetchError = await caught(fetch(`${s.origin}/next`, { dispatcher: pool }));
      expect(((fetchError as Error).cause as Error).message).toMatch(/acquire timed out after 500 ms \(1\/1 borrowed, \d+ waiting\)$/);
      stop = true;
      expect(await fetchReading).toBeGreaterThan(15);
      await pool.close();
    });
  });

  it('the message says nothing of bodies when they are not the cause: busy with slow responses, or with a body being read; small unread bodies (buffered whole) do not hold connections, on either', async () => {
    await withServer(handler, async (s) => {
      const slow = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: 200 } });
      const first = slow.request({ path: '/slow', method: 'GET' });
      const error = await caught(slow.request({ path: '/small', method: 'GET' }));
      expect(error).toMatchObject({ code: 'POOL_TIMEOUT', message: expect.stringMatching(/acquire timed out after 200 ms \(1\/1 borrowed, \d+ waiting\)$/) });
      await (await first).body.dump();
      await slow.close();

      // a body that was left alone (paused, its buffer full) and is now read, the server slow to send the rest
      const trickle = createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 1, acquireTimeoutMs: 200 } });
      const res = await trickle.request({ path: '/trickle', method: 'GET' });
      await new Promise((resolve) => setTimeout(resolve, 100)); // unread meanwhile: undici pauses it
      let received = 0;
      const reading = (async () => {
        for await (const chunk of res.body) received += (chunk as Buffer).length;
      })();
      await until(() => received >= big.length, 2_000, 'the first megabyte read');
      const whileRead = await caught(trickle.request({ path: '/small', method: 'GET' }));
      expect(whileRead).toMatchObject({ code: 'POOL_TIMEOUT', message: expect.stringMatching(/acquire timed out after 200 ms \(1\/1 borrowed, \d+ waiting\)$/) });
      await reading;
      await trickle.close();

      const smallUnread = async (pool: Dispatcher) => {
        await pool.request({ path: '/small', method: 'GET' });
        await pool.request({ path: '/small', method: 'GET' });
        const third = await settledWithin(pool.request({ path: '/small', method: 'GET' }).then((res) => res.statusCode, (caughtError: unknown) => shape(caughtError)), 1_000);
        await pool.close();
        return third;
      };
      expect(await smallUnread(new Pool(s.origin, { connections: 2 }))).toBe(200);
      expect(await smallUnread(createHttpPool({ origin: s.origin, healthCheck: false, pool: { max: 2, acquireTimeoutMs: 300 } }))).toBe(200);
    });
  });
});
