import type { BenchPool } from '../pools/types.js';
import { secondsSince } from '../clock.js';
import type { Workload, WorkloadSize } from './types.js';

/** W1, the tub benchmark: max 1, every task started at once, each acquires then releases. */
export const w1Tub: Workload = {
  id: 'W1',
  title: 'tub',
  describe: (s) => `max ${s.max}, ${s.operations.toLocaleString('en-US')} tasks started at once, each acquire then release`,
  full: { max: 1, operations: 100_000, callers: 100_000 },
  quick: { max: 1, operations: 2_000, callers: 2_000 },
  metrics: [],
  async run(pool: BenchPool, size: WorkloadSize) {
    let completed = 0;
    const task = async (): Promise<void> => {
      const handle = await pool.acquire();
      pool.release(handle);
      completed++;
    };
    const tasks: Promise<void>[] = new Array(size.operations);
    const started = process.hrtime.bigint();
    for (let i = 0; i < size.operations; i++) tasks[i] = task();
    await Promise.all(tasks);
    return { seconds: secondsSince(started), operations: size.operations, completed };
  },
};
