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
      runs.push({ measureHeap: options?.measureHeap, pool: (handle as { pool: number }).pool });
      return { seconds: 0.001, operations: size.operations, completed: size.operations, ...(options?.measureHeap ? { heapDeltaBytes: 1234 } : {}) };
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
  it('times each sample on a fresh pool after two untimed warm-up runs on others, and takes the heap from the first', async () => {
    const runs: { measureHeap: boolean | undefined; pool: number }[] = [];
    const created: number[] = [];
    const closed: number[] = [];
    const result = await runWorkload(recordingWorkload(runs), [countingContender(created, closed)], { rounds: 2, quick: true });
    // three pools per round: two warm-ups', then the timed run's; each closed before the next is made
    expect(runs).toEqual([
      { measureHeap: true, pool: 0 },
      { measureHeap: false, pool: 1 },
      { measureHeap: false, pool: 2 },
      { measureHeap: true, pool: 3 },
      { measureHeap: false, pool: 4 },
      { measureHeap: false, pool: 5 },
    ]);
    expect(closed).toEqual([0, 1, 2, 3, 4, 5]);
    const row = result.rows[0];
    expect(row?.roundsOpsPerSec).toHaveLength(2);
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
