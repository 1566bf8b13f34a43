import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocationLoops } from '../src/allocations.js';
import { runBench } from '../src/bench.js';
import { parseOptions } from '../src/cli.js';
import type { Comparison } from '../src/comparison.js';
import type { LoadedComparison } from '../src/compare/index.js';
import { contenders } from '../src/pools/index.js';
import type { BenchResults } from '../src/report/results.js';
import { workloads } from '../src/workloads/index.js';

/** An in-memory comparison, so the test needs no server. */
const fakeComparison: Comparison = {
  id: 'W9',
  title: 'in-memory: two fake clients',
  concurrency: 8,
  operations: 2_000,
  async setup() {
    let closed = 0;
    return {
      contenders: [
        { name: 'fast', op: () => Promise.resolve(1) },
        { name: 'slow', op: () => new Promise((resolve) => setImmediate(resolve)) },
      ],
      teardown: async () => {
        closed++;
        expect(closed).toBe(1);
      },
    };
  },
};

describe('pnpm bench --quick, in process', () => {
  let dir: string;
  let results: BenchResults;
  let files: { markdown: string; json: string; svg: string };
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pool-bench-'));
    const loadComparisons = async (): Promise<LoadedComparison[]> => [
      { name: 'fake', comparison: fakeComparison },
      { name: 'pg', missing: 'compare/pg.ts not yet available' },
    ];
    ({ results, files } = await runBench(parseOptions(['--quick', '--in-process', '--rounds', '3', '--out', dir]), { log: (line) => lines.push(line), loadComparisons }));
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every workload for every pool and the references, in at least 3 rounds', () => {
    expect(results.workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4']);
    for (const workload of results.workloads) {
      expect(workload.rounds).toBe(3);
      expect(workload.rows.map((row) => row.pool)).toEqual(contenders.map((c) => c.name));
    }
  });

  it('has every pool complete every operation of every round, without errors', () => {
    for (const workload of results.workloads) {
      const perRound = workloads.find((w) => w.id === workload.id)?.quick.operations ?? 0;
      for (const row of workload.rows) {
        expect(row.error, `${workload.id} ${row.pool}`).toBeUndefined();
        expect(row.operations, `${workload.id} ${row.pool}`).toBe(perRound * 3);
        expect(row.completed, `${workload.id} ${row.pool}`).toBe(row.operations);
        expect(row.roundsOpsPerSec).toHaveLength(3);
        expect(row.opsPerSec).toBeGreaterThan(0);
      }
    }
  });

  it('reports ratios to the hand-written pool and the waits the issue asks for', () => {
    for (const workload of results.workloads) {
      expect(workload.rows.find((row) => row.pool === 'hand-written')?.ratio).toBe(1);
      for (const row of workload.rows) expect(Number.isFinite(row.ratio)).toBe(true);
    }
    const w3 = results.workloads.find((w) => w.id === 'W3');
    const w4 = results.workloads.find((w) => w.id === 'W4');
    for (const row of w3?.rows ?? []) {
      expect(row.p50WaitMs).toBeGreaterThanOrEqual(0);
      expect(row.p99WaitMs).toBeGreaterThanOrEqual(row.p50WaitMs as number);
      expect(row.maxWaitMs).toBeGreaterThanOrEqual(row.p99WaitMs as number);
    }
    for (const row of w4?.rows ?? []) {
      expect(row.p99WaitMs).toBeGreaterThanOrEqual(0);
      expect(row.totalMs).toBeGreaterThan(0);
      expect(typeof row.heapDeltaBytes).toBe('number');
    }
  });

  it("measures the bytes W2's loop allocates: @pool/core's acquire allocates what a bare promise and a lease do, tryAcquire only the lease", async () => {
    const bytes = (loop: string) => results.allocations?.find((row) => row.loop === loop)?.bytesPerOp ?? Number.NaN;
    expect(results.allocations?.map((row) => row.loop)).toEqual(Object.values(allocationLoops));
    // a Lease is 40 bytes (map, properties, elements, slot, resource); sampling every 16 bytes is exact to a byte or two here
    expect(Math.abs(bytes(allocationLoops.acquire) - bytes(allocationLoops.floor))).toBeLessThanOrEqual(4);
    expect(bytes(allocationLoops.tryAcquire)).toBeGreaterThanOrEqual(36);
    expect(bytes(allocationLoops.tryAcquire)).toBeLessThanOrEqual(48);
    expect(results.targets).toContainEqual(expect.objectContaining({ target: 'allocates only its promise and its lease', met: true }));
    expect(await readFile(files.markdown, 'utf8')).toContain("### Allocation per operation (W2's loop)");
  });

  it('runs a comparison interleaved and reports a missing adapter file as skipped', () => {
    const [fake, pg] = results.comparisons;
    expect(fake && 'rows' in fake ? fake.rows.map((r) => [r.pool, r.operations, r.errors]) : fake).toEqual([
      ['fast', 40, 0],
      ['slow', 40, 0],
    ]);
    expect(fake && 'rows' in fake ? fake.rows[0]?.ratio : undefined).toBe(1);
    expect(pg).toEqual({ id: 'pg', title: 'pg adapter comparison', skipped: 'compare/pg.ts not yet available' });
    expect(lines.join('\n')).toContain('pg: skipped: compare/pg.ts not yet available');
  });

  it('alternates which contender of a comparison goes first, and reports paired ratios and CPU per operation', () => {
    const order = lines.filter((line) => line.includes('W9 round')).map((line) => /round (\d)\/3 (\w+)/.exec(line)?.slice(1, 3).join(' '));
    expect(order).toEqual(['1 fast', '1 slow', '2 slow', '2 fast', '3 fast', '3 slow']);
    const fake = results.comparisons[0];
    const rows = fake && 'rows' in fake ? fake.rows : [];
    expect(rows[0]?.pairedRatio).toBe(1);
    // a setImmediate per operation is far slower than a resolved promise, in every round
    expect(rows[1]?.pairedRatio).toBeLessThan(1);
    for (const row of rows) {
      expect(row.cpuUsPerOp).toBeGreaterThan(0);
      expect(Number.isFinite(row.cpuUsPerOp)).toBe(true);
    }
  });

  it('writes latest.md with a table per workload, the node version, CPU and date', async () => {
    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toContain(`Node ${process.version}`);
    expect(markdown).toContain(results.environment.cpu);
    expect(markdown).toContain(results.environment.date);
    expect(markdown).toContain('all in one process, GC between runs');
    for (const id of ['W1', 'W2', 'W3', 'W4', 'W9']) expect(markdown).toMatch(new RegExp(`^### ${id} `, 'm'));
    for (const pool of contenders) expect(markdown).toContain(`| ${pool.name}`);
    expect(markdown).toContain('| pool | ops/s (median) | vs hand-written | p50 wait | p99 wait | max wait |');
    expect(markdown).toContain('heap delta after GC');
    expect(markdown).toContain('Skipped: compare/pg.ts not yet available');
    expect(markdown).toContain('| pool | ops/s (median) | vs fast | vs fast, paired | CPU per op | p99 latency | errors |');
    expect(markdown).toContain('### Targets for @pool/core');
    expect(results.targets.length).toBeGreaterThan(0);
  });

  it('writes latest.json with the same results', async () => {
    const json = JSON.parse(await readFile(files.json, 'utf8')) as BenchResults;
    expect(json.workloads.map((w) => w.rows.length)).toEqual([7, 7, 7, 7]);
    expect(json.workloads[0]?.rows[0]?.completed).toBe(results.workloads[0]?.rows[0]?.completed);
    expect(json.quick).toBe(true);
  });

  it('draws ratios.svg: one bar per pool per workload and a line at 1.0', async () => {
    const svg = await readFile(files.svg, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(4 * contenders.length);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('1.0 = hand-written');
    for (const id of ['W1 tub', 'W2 hot', 'W3 contended', 'W4 burst']) expect(svg).toContain(id);
    // well-formed: no raw markup characters inside text (a '<0.1' label once broke the file)
    for (const [, content] of svg.matchAll(/<text[^>]*>([^]*?)<\/text>/g)) expect(content).not.toMatch(/[<>]|&(?!(lt|gt|amp|quot|apos);)/);
  });
});

describe('runBench selection', () => {
  it('runs only the workloads and pools asked for, each sample in a fresh process by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-bench-'));
    try {
      const { results } = await runBench(parseOptions(['--quick', '--only', 'w2', '--pools', 'core,hand', '--rounds', '1', '--out', dir]), {
        log: () => {},
        loadComparisons: async () => [],
      });
      expect(results.workloads.map((w) => w.id)).toEqual(['W2']);
      expect(results.workloads[0]?.rows.map((r) => [r.pool, r.completed])).toEqual([
        ['hand-written', 20_000],
        ['hand-written + lease', 20_000],
        ['@pool/core', 20_000],
      ]);
      expect(results.comparisons).toEqual([]);
      expect(results.inProcess).toBe(false);
      expect(await readFile(join(dir, 'latest.md'), 'utf8')).toContain('each sample in a fresh process');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown --only id or --pools name with a usage error', async () => {
    const deps = { log: () => {}, loadComparisons: async () => [] };
    await expect(runBench(parseOptions(['--quick', '--only', 'W7']), deps)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringContaining('W7') });
    await expect(runBench(parseOptions(['--quick', '--pools', 'hikari']), deps)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringContaining('hikari') });
  });
});

describe('target checks', () => {
  it('lists each target for @pool/core with its measured value', async () => {
    const { checkTargets } = await import('../src/report/targets.js');
    const row = (pool: string, opsPerSec: number, heapDeltaBytes?: number) => ({
      pool, reference: false, opsPerSec, ratio: 0, completed: 1, operations: 1, roundsOpsPerSec: [], ...(heapDeltaBytes === undefined ? {} : { heapDeltaBytes }),
    });
    const result = (id: string, rows: ReturnType<typeof row>[]) => ({ id, title: '', description: '', metrics: [], size: { max: 1, operations: 1, callers: 1 }, rounds: 3, rows });
    const checks = checkTargets([
      result('W2', [row('hand-written', 100), row('@pool/core', 90), row('generic-pool 3.9', 40), row('tarn 3.1', 50)]),
      result('W4', [row('hand-written', 100), row('@pool/core', 90, 2 * 1024 * 1024), row('generic-pool 3.9', 40), row('tarn 3.1', 10)]),
    ]);
    expect(checks.map((c) => [c.workload, c.target, c.measured, c.met])).toEqual([
      ['W2', '>= 2x generic-pool 3.9', '2.25x', true],
      ['W2', '>= 2x tarn 3.1', '1.80x', false],
      ['W2', '>= 0.90x hand-written', '0.90x', true],
      ['W4', '>= 2x generic-pool 3.9', '2.25x', true],
      ['W4', '>= 2x tarn 3.1', '9.00x', true],
      ['W4', '>= 0.97x hand-written', '0.90x', false],
      ['W4', 'heap delta after GC < 1 MB', '2.00 MB', false],
    ]);
  });
});
