import { createWsPool } from '@pool/ws';
import { startWsServer } from '../servers/ws-server.js';
import type { DemoTarget, SetupContext } from './target.js';

/**
 * The embedded `ws` echo server and an @pool/ws pool in front of it. `request()` sends JSON with a
 * correlation id; the echo server sends the message back, so the reply carries the same id.
 */
export async function setupWs(ctx: SetupContext): Promise<DemoTarget> {
  const server = await startWsServer();
  const address = await ctx.route('ws', server);
  const url = `ws://${address.host}:${address.port}/`;
  const pool = createWsPool({ url, handshakeTimeoutMs: 2_000, requestTimeoutMs: 2_000, pool: { ...ctx.poolOptions, name: 'ws', max: 4, min: 1 } });
  const big = 'x'.repeat(4096);
  let n = 0;
  return {
    id: 'ws',
    title: 'WebSocket echo server (embedded)',
    via: '@pool/ws',
    endpoint: url,
    metered: pool,
    stats: () => pool.stats(),
    callers: 8,
    operations: [
      { name: 'echo', weight: 3, run: async () => {
        const text = `msg ${++n}`;
        const reply = await pool.request<{ text?: string }>({ op: 'echo', text });
        if (reply.text !== text) throw new Error('ws echo mismatch');
      } },
      { name: 'echo 4 KiB', weight: 1, run: async () => {
        const reply = await pool.request<{ text?: string }>({ op: 'echo', text: big });
        if (reply.text?.length !== big.length) throw new Error('ws echo mismatch');
      } },
    ],
    async close() {
      await pool.close({ timeoutMs: 1_000 });
      await server.close();
    },
  };
}
