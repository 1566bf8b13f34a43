import { describe, expect, it } from 'vitest';
import { createHttpPool } from '../src/index.js';
import { both, withServer, type Make } from './helpers/parity.js';

// A server that drops the connection on some requests (a request that crashes its worker, a proxy
// resetting an oversized upload) while it answers the others. undici's Pool fails exactly the
// requests whose connection was dropped; the others, in flight or waiting for a connection
// meanwhile, are answered. With one origin we stand in for that Pool, so they must be answered here
// too, and the origin must not be taken out of rotation: there is nowhere else to send them.

const cutsSome = (req: { url?: string; socket: { destroy(): void } }, res: import('node:http').ServerResponse) => {
  if (req.url?.startsWith('/cut') === true) req.socket.destroy();
  else res.end('ok');
};

async function mixed(origin: string, make: Make): Promise<Record<string, number>> {
  const pool = make(origin);
  const seen: Record<string, number> = {};
  await Promise.all(Array.from({ length: 64 }, async (_, index) => {
    const path = index % 2 === 0 ? '/cut' : '/ok';
    const outcome = await pool.request({ path: `${path}/${index}`, method: 'GET' }).then(
      async (res) => `answered ${await res.body.text()}`,
      (error: unknown) => String((error as { code?: unknown }).code),
    );
    seen[`${path}: ${outcome}`] = (seen[`${path}: ${outcome}`] ?? 0) + 1;
  }));
  await pool.destroy();
  return seen;
}

describe('one origin whose server drops the connection on some requests', () => {
  it('fails only the dropped requests (UND_ERR_SOCKET) and answers every other one, as undici\'s Pool does', async () => {
    const seen = await withServer(cutsSome, (s) => both((make) => mixed(s.origin, make)));
    expect(seen.undici).toEqual({ '/cut: UND_ERR_SOCKET': 32, '/ok: answered ok': 32 });
    expect(seen.ours).toEqual(seen.undici);
  });

  it('keeps the lone origin in rotation (no down event), with the default health check too', async () => {
    await withServer(cutsSome, async (s) => {
      const pool = createHttpPool({ origin: s.origin, pool: { max: 8 } });
      const changes: boolean[] = [];
      pool.onOriginChange((change) => changes.push(change.up));
      const seen = await mixed(s.origin, () => pool);
      expect(seen).toEqual({ '/cut: UND_ERR_SOCKET': 32, '/ok: answered ok': 32 });
      expect(changes).toEqual([]);
    });
  });
});
