import { gzipSync } from 'node:zlib';
import { interceptors, request, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { both, shape, withServer } from './helpers/parity.js';

/** What a caller reads of one request through `dispatcher`: status, body, content-encoding; or the error. */
async function read(origin: string, dispatcher: Dispatcher, path: string): Promise<unknown> {
  try {
    const res = await request(`${origin}${path}`, { dispatcher });
    return { status: res.statusCode, body: await res.body.text(), encoding: res.headers['content-encoding'] ?? null };
  } catch (error) {
    return shape(error);
  }
}

describe("parity with undici Pool: undici's other interceptors through compose()", () => {
  it('dump refuses a body over maxSize with the same AbortError; cache answers the second GET from its store', async () => {
    let hits = 0;
    const seen = await withServer((req, res) => {
      hits++;
      if (req.url === '/big') return void res.end('x'.repeat(100_000));
      res.setHeader('cache-control', 'max-age=60');
      res.end(`cached ${hits}`);
    }, (s) => both(async (make) => {
      hits = 0;
      const pool = make(s.origin);
      const dumped = await read(s.origin, pool.compose(interceptors.dump({ maxSize: 10 })), '/big');
      const cached = pool.compose(interceptors.cache());
      const first = await read(s.origin, cached, '/cache');
      const second = await read(s.origin, cached, '/cache');
      await pool.close();
      return { dumped, first, second, hits };
    }));
    expect(seen.ours).toEqual(seen.undici);
    expect(seen.ours.dumped).toMatchObject({ name: 'AbortError' });
    // the server counts /big as its first request, so /cache answers "cached 2", and only once
    expect(seen.ours.first).toEqual({ status: 200, body: 'cached 2', encoding: null });
    expect(seen.ours.second).toEqual(seen.ours.first);
    expect(seen.ours.hits).toBe(2);
  });

  it('decompress inflates a gzip body; deduplicate sends three identical concurrent GETs to the server once', async () => {
    let hits = 0;
    const seen = await withServer((req, res) => {
      hits++;
      if (req.url === '/gz') {
        res.setHeader('content-encoding', 'gzip');
        return void res.end(gzipSync('hello gz'));
      }
      setTimeout(() => res.end(`slow ${hits}`), 30);
    }, (s) => both(async (make) => {
      const pool = make(s.origin);
      const inflated = await read(s.origin, pool.compose(interceptors.decompress()), '/gz');
      hits = 0;
      const deduplicated = pool.compose(interceptors.deduplicate());
      const three = await Promise.all([1, 2, 3].map(() => read(s.origin, deduplicated, '/slow')));
      await pool.close();
      return { inflated, three, hits };
    }));
    expect(seen.ours).toEqual(seen.undici);
    expect(seen.ours.inflated).toEqual({ status: 200, body: 'hello gz', encoding: null });
    expect(seen.ours.three).toEqual([1, 2, 3].map(() => ({ status: 200, body: 'slow 1', encoding: null })));
    expect(seen.ours.hits).toBe(1);
  });
});
