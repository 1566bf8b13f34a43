import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { both, shape, withServer, type Make } from './helpers/parity.js';
import type { TestServer } from './helpers/server.js';

// A connection that undici closes right after its response (the server answered `Connection: close`,
// the request was a HEAD, or it asked `reset: true`) must not be lent to the next caller waiting for
// a connection: undici's Pool opens a new socket for that caller, and so must we. Run side by side
// with more callers than connections, so every response ends with a caller waiting.

const CALLERS = 40;

/** What the callers saw: how many got their answer, and the codes of the errors of the others. */
function tally(outcomes: Array<string | ReturnType<typeof shape>>): { answered: number; errors: unknown[] } {
  const errors = outcomes.filter((outcome) => typeof outcome !== 'string').map((error) => (typeof error === 'object' ? error.code ?? error.message : error));
  return { answered: outcomes.length - errors.length, errors: [...new Set(errors)] };
}

async function concurrent(s: TestServer, make: Make, send: (pool: ReturnType<Make>, index: number) => Promise<string>): Promise<ReturnType<typeof tally>> {
  const pool = make(s.origin);
  try {
    return tally(await Promise.all(Array.from({ length: CALLERS }, (_, index) => send(pool, index).catch(shape))));
  } finally {
    await pool.close();
  }
}

const closing = (connectionClose: boolean) => (req: { url?: string }, res: import('node:http').ServerResponse) => {
  if (connectionClose) res.setHeader('connection', 'close');
  setTimeout(() => res.end(`ok ${req.url ?? ''}`), 1);
};

describe('parity with undici Pool: connections undici closes after the response, with callers waiting', () => {
  it('a server answering every request with Connection: close: every POST answered, as by undici', async () => {
    const seen = await withServer(closing(true), (s) => both((make) => concurrent(s, make, (pool, index) =>
      pool.request({ path: `/c${index}`, method: 'POST', body: 'x' }).then((res) => res.body.text()))));
    expect(seen.undici).toEqual({ answered: CALLERS, errors: [] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('fetch() against a Connection: close server: every response, as by undici', async () => {
    const seen = await withServer(closing(true), (s) => both((make) => concurrent(s, make, (pool, index) =>
      fetch(`${s.origin}/f${index}`, { dispatcher: pool, method: 'POST', body: 'x' }).then((res) => res.text()))));
    expect(seen.undici).toEqual({ answered: CALLERS, errors: [] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('HEAD requests (undici closes the socket after each): every one answered, as by undici', async () => {
    const seen = await withServer(closing(false), (s) => both((make) => concurrent(s, make, (pool, index) =>
      pool.request({ path: `/h${index}`, method: 'HEAD' }).then(async (res) => `${res.statusCode} ${await res.body.text()}`))));
    expect(seen.undici).toEqual({ answered: CALLERS, errors: [] });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('requests with reset: true: every one answered, as by undici', async () => {
    const seen = await withServer(closing(false), (s) => both((make) => concurrent(s, make, (pool, index) =>
      pool.request({ path: `/r${index}`, method: 'POST', body: 'x', reset: true }).then((res) => res.body.text()))));
    expect(seen.undici).toEqual({ answered: CALLERS, errors: [] });
    expect(seen.ours).toEqual(seen.undici);
  });
});
