import { createMysqlPool } from '@pool/mysql';
import { redactUrl } from '../redact.js';
import { addressOf } from './probe.js';
import type { DemoTarget, SetupContext } from './target.js';

/** MySQL/MariaDB at `url`, through @pool/mysql. */
export async function setupMysql(ctx: SetupContext, url: string): Promise<DemoTarget> {
  const parsed = new URL(url);
  const address = await ctx.route('mysql', addressOf(url, 3306));
  const mysql = createMysqlPool({
    host: address.host,
    port: address.port,
    user: decodeURIComponent(parsed.username || 'root'),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { database: decodeURIComponent(parsed.pathname.slice(1)) } : {}),
    connectTimeout: 5_000,
    pool: { ...ctx.poolOptions, name: 'mysql', max: 4, min: 1 },
  });
  return {
    id: 'mysql',
    title: 'MySQL / MariaDB (given or default port)',
    via: '@pool/mysql',
    endpoint: redactUrl(url),
    metered: mysql,
    stats: () => mysql.stats(),
    callers: 8,
    operations: [
      { name: 'SELECT 1', weight: 4, run: async () => void (await mysql.query('SELECT 1')) },
      { name: 'execute ?+?', weight: 2, run: async () => void (await mysql.execute('SELECT ? + ? AS s', [1, 2])) },
      { name: 'transaction', weight: 1, run: async () => void (await mysql.transaction(async (c) => { await c.query('SELECT 1'); })) },
    ],
    close: () => mysql.end({ timeoutMs: 1_000 }),
  };
}
