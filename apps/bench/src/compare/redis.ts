import { randomBytes } from 'node:crypto';
import { createRedisPool } from '@pool/redis';
import { Redis } from 'ioredis';
import type { Comparison } from '../comparison.js';
import { unreachable } from './unreachable.js';

/**
 * Plain GET/SET at 100 callers: @pool/redis (`withConnection`, max 10) against one ioredis client,
 * which pipelines every caller's commands over a single socket, with and without auto-pipelining.
 * The single client is expected to win here: a pool lends a whole connection per call and waits
 * for its reply before the next borrower gets it, while one ioredis client keeps the socket full.
 * The pool exists for what cannot share a connection (BLPOP/XREAD BLOCK, WATCH/MULTI, SUBSCRIBE),
 * not to speed up plain commands.
 */

const KEYS = 1_000;

function redisUrl(): string {
  const fromEnv = process.env.POOL_REDIS_URL;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : 'redis://127.0.0.1:6379';
}

async function reachable(url: string): Promise<string | undefined> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return unreachable('redis', url, error);
  } finally {
    probe.disconnect();
  }
}

/** Every other op is a SET, the rest GETs, over KEYS keys. */
function getSet(run: (write: boolean, key: string) => Promise<unknown>, prefix: string): () => Promise<unknown> {
  let i = 0;
  return () => {
    const n = i++;
    return run((n & 1) === 0, `${prefix}${n % KEYS}`);
  };
}

const comparison: Comparison = {
  id: 'W7',
  title: 'redis: GET/SET (50/50), 100 callers; pool max 10 vs one ioredis client',
  concurrency: 100,
  operations: 20_000,
  async setup() {
    const url = redisUrl();
    const problem = await reachable(url);
    if (problem !== undefined) return { skipped: problem };
    const prefix = `poolbench:redis:${randomBytes(4).toString('hex')}:`;
    const pool = createRedisPool({ url, clientName: 'pool-bench', pool: { max: 10, min: 10 } });
    await pool.pool.ready();
    const single = new Redis(url, { connectionName: 'pool-bench-single' });
    const auto = new Redis(url, { connectionName: 'pool-bench-auto', enableAutoPipelining: true });
    await Promise.all([single.ping(), auto.ping()]);
    const seed = single.pipeline();
    for (let k = 0; k < KEYS; k++) seed.set(`${prefix}${k}`, `value-${k}`);
    await seed.exec();
    const value = 'x'.repeat(64);
    return {
      contenders: [
        {
          name: '@pool/redis withConnection (max 10)',
          op: getSet((write, key) => pool.withConnection((client) => (write ? client.set(key, value) : client.get(key))), prefix),
        },
        {
          name: 'ioredis, 1 client',
          op: getSet((write, key) => (write ? single.set(key, value) : single.get(key)), prefix),
        },
        {
          name: 'ioredis, 1 client, enableAutoPipelining',
          op: getSet((write, key) => (write ? auto.set(key, value) : auto.get(key)), prefix),
        },
      ],
      teardown: async () => {
        try {
          const keys = Array.from({ length: KEYS }, (_, k) => `${prefix}${k}`);
          await single.del(...keys);
        } finally {
          single.disconnect();
          auto.disconnect();
          await pool.end();
        }
      },
    };
  },
};

export default comparison;
