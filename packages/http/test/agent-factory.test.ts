import { Agent, fetch, Pool, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { startServer } from './helpers/server.js';

// undici's Agent takes a `factory` for its per-origin dispatchers; `createHttpPool({ origin })` can
// stand in for the `Pool` it makes by default. Side by side: the same requests, `agent.stats` keyed by
// origin, and close().

describe('createHttpPool as the per-origin dispatcher of undici\'s Agent', () => {
  it('serves fetch and request to two origins, and agent.stats reports each origin, as with Pool', async () => {
    const a = await startServer((req, res) => res.end(`A ${req.url ?? ''}`));
    const b = await startServer((req, res) => res.end(`B ${req.url ?? ''}`));
    try {
      const factories = {
        undici: (origin: string | URL, options: object) => new Pool(origin, options),
        ours: (origin: string | URL) => createHttpPool({ origin, healthCheck: false }),
      };
      const seen: Record<string, unknown> = {};
      for (const [name, factory] of Object.entries(factories)) {
        const agent = new Agent({ factory });
        const answers = [
          await (await fetch(`${a.origin}/f`, { dispatcher: agent })).text(),
          await (await request(`${b.origin}/r`, { dispatcher: agent })).body.text(),
        ];
        const stats = Object.fromEntries(Object.entries(agent.stats).map(([origin, s]) => [origin, { connected: s.connected, running: s.running }]));
        await agent.close();
        seen[name] = { answers, stats };
      }
      expect(seen.undici).toEqual({
        answers: ['A /f', 'B /r'],
        stats: { [a.origin]: { connected: 1, running: 0 }, [b.origin]: { connected: 1, running: 0 } },
      });
      expect(seen.ours).toEqual(seen.undici);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
