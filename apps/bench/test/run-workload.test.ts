import { describe, expect, it } from 'vitest';
import { runWorkload } from '../src/run-workload.js';
import type { BenchPool, PoolContender } from '../src/pools/types.js';
import type { RunOptions, Workload } from '../src/workloads/types.js';

/** A workload that records what each run was asked and how long the pool lived. */
function recordingWorkload(runs: { measureHeap: boolean | undefined; pool: number }[]): Workload {
  return {
    id: 'WT',
    title: 'test',
    describe: () => 'test',
    full: { max: 1, operations: 4, callers: 1 },
    quick: { max: 1, operations: 4, callers: 1 },
    metrics: ['heapDelta'],
    async run(pool: BenchPool, size, options?: RunOptions) {
      const handle = await pool.acquire();
      pool.release(handle);
      const id = (handle as { pool: number }).pool;
      runs.push({ measureHeap: options?.measureHeap, pool: id });
      // a sample's runs take 1, 1 (warm-ups), then 4, 1 and 2 ms (timed): its median timed run took 2 ms
      return { seconds: [1, 1, 4, 1, 2][id % 5]! / 1000, operations: size.operations, completed: size.operations, ...(options?.measureHeap ? { heapDeltaBytes: 1234 } : {}) };
    },
  };
}

function countingContender(created: number[], closed: number[]): PoolContender {
  return {
    name: 'counting',
    reference: true,
    note: '',
    create() {
      const id = created.length;
      created.push(id);
      return {
        acquire: () => Promise.resolve({ pool: id }),
        release: () => {},
        close: async () => {
          closed.push(id);
        },
      };
    },
  };
}

describe('runWorkload', () => {
  it('takes each sample as the median of three timed runs after two untimed warm-ups, each on a fresh pool, and the heap from the first', async () => {
    const runs: { measureHeap: boolean | undefined; pool: number }[] = [];
    const created: number[] = [];
    const closed: number[] = [];
    const result = await runWorkload(recordingWorkload(runs), [countingContender(created, closed)], { rounds: 2, quick: true });
    // five pools per round: two warm-ups', then three timed runs'; each closed before the next is made
    const round = (first: number) => [true, false, false, false, false].map((measureHeap, i) => ({ measureHeap, pool: first + i }));
    expect(runs).toEqual([...round(0), ...round(5)]);
    expect(closed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const row = result.rows[0];
    expect(row?.roundsOpsPerSec).toEqual([2000, 2000]); // 4 operations in the median run's 2 ms
    expect(row?.completed).toBe(8);
    expect(row?.heapDeltaBytes).toBe(1234);
  });

  it('reports a contender whose warm-up run fails as failed, without timing it', async () => {
    const failing: PoolContender = {
      name: 'failing',
      reference: true,
      note: '',
      create: () => ({ acquire: () => Promise.reject(new Error('no resource')), release: () => {}, close: () => Promise.resolve() }),
    };
    const result = await runWorkload(recordingWorkload([]), [failing], { rounds: 2, quick: true });
    expect(result.rows[0]?.error).toBe('no resource');
    expect(result.rows[0]?.roundsOpsPerSec).toEqual([]);
  });
});
