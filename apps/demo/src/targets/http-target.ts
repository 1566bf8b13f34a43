import { createHttpPool } from '@pool/http';
import { startHttpServer } from '../servers/http-server.js';
import type { DemoTarget, SetupContext } from './target.js';

/** The embedded node:http server and an @pool/http dispatcher in front of it. */
export async function setupHttp(ctx: SetupContext): Promise<DemoTarget> {
  const server = await startHttpServer();
  const address = await ctx.route('http', server);
  const origin = `http://${address.host}:${address.port}`;
  const dispatcher = createHttpPool({ origin, pool: { ...ctx.poolOptions, name: 'http', max: 4, min: 1 }, healthCheck: { path: '/health' } });
  const stats = () => {
    const status = dispatcher.status()[0];
    if (!status) throw new Error('@pool/http reported no origin');
    return status.pool;
  };
  const request = async (path: string, init: { method: 'GET' | 'POST'; body?: string }) => {
    const response = await dispatcher.request({ origin, path, method: init.method, ...(init.body !== undefined ? { body: init.body } : {}) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode} from ${path}`);
    return text;
  };
  return {
    id: 'http',
    title: 'HTTP server (embedded, node:http)',
    via: '@pool/http',
    endpoint: origin,
    metered: dispatcher,
    stats,
    callers: 8,
    operations: [
      { name: 'GET /hello', weight: 3, run: async () => void JSON.parse(await request('/hello', { method: 'GET' })) },
      { name: 'POST /echo', weight: 1, run: async () => { if ((await request('/echo', { method: 'POST', body: 'ping' })) !== 'ping') throw new Error('http echo mismatch'); } },
    ],
    async close() {
      await dispatcher.close();
      await server.close();
    },
  };
}
