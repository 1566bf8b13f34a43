import type { BenchPool } from '../pools/types.js';
import { secondsSince } from '../clock.js';
import type { Workload, WorkloadSize } from './types.js';

/** W2, the hot path: one caller acquires and releases in a loop, never waiting for a resource. */
export const w2Hot: Workload = {
  id: 'W2',
  title: 'hot',
  describe: (s) => `max ${s.max}, one caller, acquire+release ${s.operations.toLocaleString('en-US')} times`,
  full: { max: 10, operations: 1_000_000, callers: 1 },
  quick: { max: 10, operations: 20_000, callers: 1 },
  metrics: [],
  async run(pool: BenchPool, size: WorkloadSize) {
    let completed = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < size.operations; i++) {
      const handle = await pool.acquire();
      pool.release(handle);
      completed++;
    }
    return { seconds: secondsSince(started), operations: size.operations, completed };
  },
};
