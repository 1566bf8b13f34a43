import { setTimeout as sleep } from 'node:timers/promises';
import { collectGarbage } from '../gc.js';
import type { BenchPool } from '../pools/types.js';
import { seededRandom } from '../random.js';
import { secondsSince } from '../clock.js';
import type { RunOptions, Workload, WorkloadSize } from './types.js';

const SEED = 0x5eed;

/**
 * W4, burst: every caller arrives at once and holds its resource 0–2 ms (the same seeded sequence
 * for every pool; node runs a timer of under 1 ms after 1 ms). Asked to (`measureHeap`), it also
 * measures the heap the pool keeps after the burst: heapUsed after a full GC, minus before, with the
 * pool still alive.
 */
export const w4Burst: Workload = {
  id: 'W4',
  title: 'burst',
  describe: (s) => `max ${s.max}, ${s.callers.toLocaleString('en-US')} callers at once, each holds 0–2 ms (seeded)`,
  full: { max: 100, operations: 10_000, callers: 10_000 },
  quick: { max: 100, operations: 500, callers: 500 },
  metrics: ['totalTime', 'p99Wait', 'heapDelta'],
  async run(pool: BenchPool, size: WorkloadSize, options?: RunOptions) {
    const measureHeap = options?.measureHeap ?? true;
    const random = seededRandom(SEED);
    const holds = Array.from({ length: size.callers }, () => random() * 2);
    const waits = new Float64Array(size.callers);
    let completed = 0;
    const caller = async (index: number): Promise<void> => {
      const asked = process.hrtime.bigint();
      const handle = await pool.acquire();
      waits[index] = Number(process.hrtime.bigint() - asked) / 1e6;
      await sleep(holds[index]);
      pool.release(handle);
      completed++;
    };
    if (measureHeap) collectGarbage();
    const heapBefore = measureHeap ? process.memoryUsage().heapUsed : 0;
    const callers: Promise<void>[] = new Array(size.callers);
    const started = process.hrtime.bigint();
    for (let i = 0; i < size.callers; i++) callers[i] = caller(i);
    await Promise.all(callers);
    const seconds = secondsSince(started);
    if (!measureHeap) return { seconds, operations: size.callers, completed, waits };
    callers.length = 0;
    collectGarbage();
    const heapDeltaBytes = process.memoryUsage().heapUsed - heapBefore;
    return { seconds, operations: size.callers, completed, waits, heapDeltaBytes };
  },
};
