import { Session } from 'node:inspector/promises';
import { createPool, type Lease } from '@pool/core';
import { MinimalPool } from './pools/minimal-pool.js';
import { makeResource, type FakeResource } from './pools/resource.js';

/** Bytes allocated per operation by one loop, from V8's sampling heap profiler. */
export interface AllocationRow {
  loop: string;
  bytesPerOp: number;
}

/** The loops measured: W2's shape (one caller, acquire then release), and the floor it is held to. */
export const allocationLoops = {
  handWritten: 'hand-written pool: await acquire(), release',
  floor: 'floor: await Promise.resolve(new two-field object)',
  acquire: '@pool/core: await acquire(), lease.release()',
  tryAcquire: '@pool/core: tryAcquire(), lease.release()',
} as const;

/** A two-field object, as big as a Lease. */
class Pair {
  constructor(
    readonly first: FakeResource,
    public second: FakeResource | null,
  ) {}
}

type Loop = (operations: number) => Promise<void>;

function loops(): Record<keyof typeof allocationLoops, Loop> {
  const minimal = new MinimalPool<FakeResource>(() => Promise.resolve(makeResource()), 10);
  const pool = createPool<FakeResource>({ create: () => Promise.resolve(makeResource()) }, { max: 10 });
  const kept = makeResource();
  return {
    async handWritten(n) {
      for (let i = 0; i < n; i++) minimal.release(await minimal.acquire());
    },
    async floor(n) {
      for (let i = 0; i < n; i++) (await Promise.resolve(new Pair(kept, kept))).second = null;
    },
    async acquire(n) {
      for (let i = 0; i < n; i++) (await pool.acquire()).release();
    },
    async tryAcquire(n) {
      for (let i = 0; i < n; i++) (pool.tryAcquire() as Lease<FakeResource>).release();
    },
  };
}

/**
 * Bytes each loop allocates per operation, garbage included (`includeObjectsCollectedBy*GC`), with a
 * 16-byte sampling interval, after an unmeasured warm-up of the same size: the least of three
 * measurements. The profile counts whatever the process allocates meanwhile (a timer of an earlier
 * workload, the test runner's messages), which only ever adds, so the least is the loop's own; one
 * such stray 100 KB once put the quick run's acquire 5 bytes per operation above the floor.
 * @pool/core is held to the floor: an acquire that allocates nothing but its promise and its lease
 * allocates what the floor does.
 */
export async function measureAllocations(operations: number): Promise<AllocationRow[]> {
  const session = new Session();
  session.connect();
  const rows: AllocationRow[] = [];
  try {
    for (const [key, loop] of Object.entries(loops()) as [keyof typeof allocationLoops, Loop][]) {
      await loop(operations);
      let least = Infinity;
      for (let sample = 0; sample < 3; sample++) {
        await session.post('HeapProfiler.startSampling', { samplingInterval: 16, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        await loop(operations);
        const { profile } = await session.post('HeapProfiler.stopSampling');
        least = Math.min(least, sampledBytes(profile.head) / operations);
      }
      rows.push({ loop: allocationLoops[key], bytesPerOp: least });
    }
  } finally {
    session.disconnect();
  }
  return rows;
}

interface SampledNode {
  selfSize: number;
  children: SampledNode[];
}

/** Every byte in the profile: the loop's, plus the inspector's own messages (a few hundred bytes in all). */
function sampledBytes(node: SampledNode): number {
  let total = node.selfSize;
  for (const child of node.children) total += sampledBytes(child);
  return total;
}
