import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BenchPool } from '../pools/types.js';
import { secondsSince } from '../clock.js';
import type { Workload, WorkloadSize } from './types.js';

/** W3, contended: many workers share few resources; each holds one for a setImmediate turn. */
export const w3Contended: Workload = {
  id: 'W3',
  title: 'contended',
  describe: (s) => `max ${s.max}, ${s.callers.toLocaleString('en-US')} workers, acquire + one setImmediate + release, ${s.operations.toLocaleString('en-US')} ops`,
  full: { max: 10, operations: 200_000, callers: 1_000 },
  quick: { max: 10, operations: 4_000, callers: 100 },
  metrics: ['p50Wait', 'p99Wait', 'maxWait'],
  async run(pool: BenchPool, size: WorkloadSize) {
    const waits = new Float64Array(size.operations);
    let next = 0;
    let completed = 0;
    const worker = async (): Promise<void> => {
      while (next < size.operations) {
        const index = next++;
        const asked = process.hrtime.bigint();
        const handle = await pool.acquire();
        waits[index] = Number(process.hrtime.bigint() - asked) / 1e6;
        await nextTurn();
        pool.release(handle);
        completed++;
      }
    };
    const workers: Promise<void>[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < size.callers; i++) workers.push(worker());
    await Promise.all(workers);
    return { seconds: secondsSince(started), operations: size.operations, completed, waits };
  },
};
