import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, type BenchOptions } from './cli.js';
import { measureAllocations } from './allocations.js';
import { runComparison, type ComparisonResult } from './comparison.js';
import { comparisonNames, loadComparisons, type LoadedComparison } from './compare/index.js';
import { contenders } from './pools/index.js';
import type { PoolContender } from './pools/types.js';
import { environment } from './report/environment.js';
import { allocationsMarkdown, comparisonMarkdown, workloadMarkdown } from './report/markdown.js';
import { checkTargets, targetsMarkdown } from './report/targets.js';
import type { BenchResults } from './report/results.js';
import { writeResults, type WrittenFiles } from './report/write.js';
import { sampleIsolated } from './isolated-sample.js';
import { runWorkload } from './run-workload.js';
import { sampleInProcess } from './sample.js';
import { workloads, type Workload } from './workloads/index.js';

/** apps/bench/results, from src/ or dist/. */
export const defaultResultsDir = fileURLToPath(new URL('../results/', import.meta.url));

/** What {@link runBench} needs besides the parsed options; tests replace parts. */
export interface BenchDeps {
  log: (line: string) => void;
  pools?: readonly PoolContender[];
  workloads?: readonly Workload[];
  loadComparisons?: () => Promise<LoadedComparison[]>;
}

/** The pools whose names contain one of `names` (all when empty); an unmatched name is a usage error. */
export function selectPools(all: readonly PoolContender[], names: readonly string[]): readonly PoolContender[] {
  if (names.length === 0) return all;
  for (const name of names) {
    if (!all.some((pool) => pool.name.toLowerCase().includes(name))) {
      throw new UsageError(`--pools: no pool matches "${name}" (pools: ${all.map((pool) => pool.name).join(', ')})`);
    }
  }
  return all.filter((pool) => names.some((name) => pool.name.toLowerCase().includes(name)));
}

/** A quick run writes beside the committed results, never over them. */
export function resultsDir(options: BenchOptions): string {
  if (options.outDir !== undefined) return options.outDir;
  return options.quick ? join(defaultResultsDir, 'quick') : defaultResultsDir;
}

/**
 * Runs the selected workloads and comparisons, prints each table as it finishes, and writes
 * latest.md, latest.json and ratios.svg. Throws {@link UsageError} for an unknown `--only` id.
 */
export async function runBench(options: BenchOptions, deps: BenchDeps): Promise<{ results: BenchResults; files: WrittenFiles }> {
  const { log } = deps;
  const pools = selectPools(deps.pools ?? contenders, options.pools);
  const allWorkloads = deps.workloads ?? workloads;
  const loaded = await (deps.loadComparisons ?? loadComparisons)();
  const known = new Set<string>([
    ...allWorkloads.map((w) => w.id),
    ...comparisonNames,
    ...loaded.map((l) => l.name),
    ...loaded.flatMap((l) => ('comparison' in l ? [l.comparison.id] : [])),
  ]);
  const wanted = new Set(options.only.map((id) => id.toUpperCase().startsWith('W') ? id.toUpperCase() : id.toLowerCase()));
  for (const id of wanted) {
    if (!known.has(id)) throw new UsageError(`--only: unknown workload or comparison "${id}" (known: ${[...known].join(', ')})`);
  }
  const selected = (...ids: string[]) => wanted.size === 0 || ids.some((id) => wanted.has(id));

  if (options.rounds < 3 && !options.quick) log(`note: --rounds ${options.rounds}: medians of fewer than 3 rounds are noisy`);
  const results: BenchResults = {
    environment: environment(),
    rounds: options.rounds,
    inProcess: options.inProcess,
    quick: options.quick,
    notes: pools.map((pool) => ({ pool: pool.name, note: pool.note })),
    workloads: [],
    comparisons: [],
    targets: [],
  };
  if (!results.environment.gcExposed) log('warning: global.gc is not exposed (run node with --expose-gc); no GC between rounds, heap deltas unreliable');
  log(`# @pool bench · Node ${results.environment.node} · ${results.environment.cpu} · ${options.rounds} rounds${options.quick ? ' · --quick' : ''}`);

  for (const workload of allWorkloads) {
    if (!selected(workload.id)) continue;
    log(`\n## ${workload.id} ${workload.title}`);
    const result = await runWorkload(workload, pools, { rounds: options.rounds, quick: options.quick, log, sample: options.inProcess ? sampleInProcess : sampleIsolated });
    results.workloads.push(result);
    log('');
    log(workloadMarkdown(result));
  }

  if (results.workloads.some((w) => w.id === 'W2') && pools.some((pool) => pool.name === '@pool/core')) {
    results.allocations = await measureAllocations(options.quick ? 20_000 : 200_000);
    log(`\n${allocationsMarkdown(results.allocations)}`);
  }

  results.targets = checkTargets(results.workloads, results.allocations);
  const targets = targetsMarkdown(results.targets);
  if (targets !== '') log(`\n${targets}`);

  for (const entry of loaded) {
    if ('missing' in entry) {
      if (!selected(entry.name)) continue;
      const result: ComparisonResult = { id: entry.name, title: `${entry.name} adapter comparison`, skipped: entry.missing };
      results.comparisons.push(result);
      log(`\n## ${entry.name}: skipped: ${entry.missing}`);
      continue;
    }
    const { comparison } = entry;
    if (!selected(entry.name, comparison.id)) continue;
    log(`\n## ${comparison.id} ${comparison.title}`);
    let result: ComparisonResult;
    try {
      result = await runComparison(comparison, { rounds: options.rounds, operationsDivisor: options.quick ? 50 : 1, log });
    } catch (error) {
      result = { id: comparison.id, title: comparison.title, skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    results.comparisons.push(result);
    log('');
    log(comparisonMarkdown(result));
  }

  const files = await writeResults(results, resultsDir(options));
  log(`\nwrote ${files.markdown}, ${files.json}, ${files.svg}`);
  return { results, files };
}
