import { createRedisPool } from '@pool/redis';
import { Redis } from 'ioredis';
import type { Contender } from '../types.js';
import { DEADLINE_MS, MAX, withTimeout } from './shared.js';

const KEY = 'pool-faults:key';

function ours(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'Redis',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const pool = createRedisPool({
        url,
        ...(deadlineMs !== undefined ? { queryTimeoutMs: deadlineMs } : {}),
        pool: { max: MAX, name: 'faults-redis', ...(deadlineMs !== undefined ? { acquireTimeoutMs: deadlineMs } : {}) },
      });
      pool.pool.on('error', () => undefined);
      let lentBroken = 0;
      pool.pool.on('acquire', ({ resource }) => {
        if (resource.status !== 'ready') lentBroken++;
      });
      return {
        call: () => pool.call('GET', [KEY], deadlineMs !== undefined ? { signal: AbortSignal.timeout(deadlineMs) } : {}),
        close: () => withTimeout(pool.end(), 5_000),
        lentBroken: () => lentBroken,
      };
    },
  };
}

function theirs(name: string, deadlineMs?: number): Contender {
  return {
    engine: 'Redis',
    name,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    async open(url) {
      const client = new Redis(url, { connectionName: 'pool-faults-ioredis', ...(deadlineMs !== undefined ? { commandTimeout: deadlineMs } : {}) });
      client.on('error', () => undefined);
      await client.ping();
      return {
        call: () => client.get(KEY),
        close: async () => {
          client.disconnect();
        },
      };
    },
  };
}

export const redisContenders: Contender[] = [
  ours('@pool/redis call (defaults)'),
  ours(`@pool/redis call (queryTimeoutMs, acquireTimeoutMs, signal ${DEADLINE_MS})`, DEADLINE_MS),
  theirs('ioredis, 1 client (defaults)'),
  theirs(`ioredis, 1 client (commandTimeout ${DEADLINE_MS})`, DEADLINE_MS),
];
