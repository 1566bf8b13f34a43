import { createRedisPool } from '@pool/redis';
import { redactUrl } from '../redact.js';
import { addressOf } from './probe.js';
import type { DemoTarget, SetupContext } from './target.js';

/** Redis at `url`, through @pool/redis. Keys are namespaced per run and expire. */
export async function setupRedis(ctx: SetupContext, url: string): Promise<DemoTarget> {
  const address = await ctx.route('redis', addressOf(url, 6379));
  const routed = new URL(url);
  routed.hostname = address.host;
  routed.port = String(address.port);
  const redis = createRedisPool({ url: routed.toString(), connectTimeoutMs: 5_000, pool: { ...ctx.poolOptions, name: 'redis', max: 4, min: 1 } });
  const prefix = `pool-demo:${process.pid}:`;
  let n = 0;
  return {
    id: 'redis',
    title: 'Redis (given or default port)',
    via: '@pool/redis',
    endpoint: redactUrl(url),
    metered: redis,
    stats: () => redis.stats(),
    callers: 8,
    operations: [
      { name: 'SET/GET', weight: 3, run: () => redis.withConnection(async (c) => { const key = `${prefix}k${++n % 64}`; await c.set(key, 'v', 'EX', 60); await c.get(key); }) },
      { name: 'INCR+EXPIRE', weight: 2, run: () => redis.withConnection(async (c) => void (await c.pipeline().incr(`${prefix}counter`).expire(`${prefix}counter`, 60).exec())) },
      { name: 'PING', weight: 1, run: () => redis.withConnection(async (c) => void (await c.ping())) },
    ],
    close: () => redis.end({ timeoutMs: 1_000 }),
  };
}
