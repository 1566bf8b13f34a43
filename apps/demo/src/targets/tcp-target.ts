import { createTcpPool, exchange } from '@pool/tcp';
import { startLineServer } from '../servers/line-server.js';
import type { DemoTarget, SetupContext } from './target.js';

/** The embedded TCP line server and an @pool/tcp pool in front of it (ping: `PING` → `PONG`). */
export async function setupTcp(ctx: SetupContext): Promise<DemoTarget> {
  const server = await startLineServer();
  const address = await ctx.route('tcp', server);
  const pool = createTcpPool({
    host: address.host,
    port: address.port,
    framing: 'line',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    ping: async (socket, { signal }) => (await exchange(socket, 'PING', { signal, timeoutMs: 1_000 })) === 'PONG',
    pool: { ...ctx.poolOptions, name: 'tcp', max: 4, min: 2 },
  });
  let n = 0;
  return {
    id: 'tcp',
    title: 'TCP line server (embedded)',
    via: '@pool/tcp',
    endpoint: `tcp://${address.host}:${address.port}${address.port !== server.port ? ` (fault proxy to :${server.port})` : ''}`,
    metered: pool,
    stats: () => pool.stats(),
    callers: 8,
    operations: [
      { name: 'PING', weight: 3, run: async () => expectReply(await pool.request('PING'), 'PONG') },
      { name: 'ECHO', weight: 2, run: async () => { const text = `hello ${++n}`; expectReply(await pool.request(`ECHO ${text}`), text); } },
      // a borrower that holds its socket a little longer: two exchanges and a short pause
      { name: 'SUM+hold', weight: 1, run: () => pool.use(async (socket) => {
        expectReply(await exchange(socket, 'SUM 1 2 3', { timeoutMs: 2_000 }), '6');
        await sleep(2);
        expectReply(await exchange(socket, 'PING', { timeoutMs: 2_000 }), 'PONG');
      }) },
    ],
    async close() {
      await pool.close({ timeoutMs: 1_000 });
      await server.close();
    },
  };
}

function expectReply(actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`line server replied ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
