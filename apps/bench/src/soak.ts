import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createPool, isPoolError, type Pool, type PoolStats } from '@pool/core';
import { defaultResultsDir } from './bench.js';
import { collectGarbage } from './gc.js';
import { makeResource, type FakeResource } from './pools/resource.js';
import { seededRandom } from './random.js';
import { environment, type Environment } from './report/environment.js';

/** How to soak. */
export interface SoakOptions {
  minutes: number;
  /** Sampling period; default 10 s (or a sixth of a run shorter than a minute). */
  sampleMs?: number;
  /** Concurrent callers. @default 64 */
  workers?: number;
  outDir?: string | undefined;
  log: (line: string) => void;
}

/** One sample, taken with the traffic paused and every caller idle, after a full GC. */
export interface SoakSample {
  seconds: number;
  heapUsedBytes: number;
  /** process.getActiveResourcesInfo().length: timers, sockets, immediates... */
  activeResources: number;
  operations: number;
  stats: PoolStats;
}

/** What the soak saw. */
export interface SoakResult {
  environment: Environment;
  minutes: number;
  workers: number;
  operations: number;
  /** Expected outcomes (timeouts, aborts, destroys) and errors that should not happen (`unexpected`). */
  outcomes: Record<string, number>;
  samples: SoakSample[];
  /** Heap growth from the first to the last third of the samples (medians), in bytes. */
  heapGrowthBytes: number;
  heapFlat: boolean;
  /** Active resources: the largest sample minus the first. */
  handleGrowth: number;
  handlesFlat: boolean;
  /** After close: created === destroyed, and every sample had created - destroyed === size. */
  accountingHeld: boolean;
  unexpectedErrors: string[];
  flat: boolean;
}

const HEAP_FLAT_BYTES = 2 * 1024 * 1024;
const HANDLES_FLAT = 2;

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[sorted.length >> 1] as number);
}

/**
 * Reliability row 29: mixed traffic against @pool/core for `minutes`: acquire/hold/release,
 * acquire/destroy, acquire with a 1 ms timeout, acquire with an abort, `use()`, against a provider
 * that validates (failing 1 in 100) and resets, with short idle and lifetime limits so resources
 * rotate. Every sample pauses the traffic until all callers are idle, runs a full GC, and reads heap
 * and active handles; the result says whether they stayed flat.
 */
export async function runSoak(options: SoakOptions): Promise<{ result: SoakResult; files: { markdown: string; json: string } }> {
  const { log } = options;
  const durationMs = options.minutes * 60_000;
  const sampleMs = options.sampleMs ?? (durationMs >= 60_000 ? 10_000 : Math.max(100, durationMs / 6));
  const workers = options.workers ?? 64;
  const random = seededRandom(29);
  const outcomes: Record<string, number> = {};
  const unexpected: string[] = [];
  const count = (key: string) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };

  const pool: Pool<FakeResource> = createPool<FakeResource>(
    {
      create: async () => {
        await nextTurn();
        return makeResource();
      },
      destroy: async () => {
        await nextTurn();
      },
      validate: () => random() >= 0.01,
      reset: () => true,
    },
    { name: 'soak', min: 2, max: 10, acquireTimeoutMs: 200, idleTimeoutMs: 2_000, maxLifetimeMs: 5_000, validateAfterIdleMs: 5 },
  );
  pool.on('error', (error) => {
    count(`event:${error.code}`);
  });

  let operations = 0;
  let stopping = false;
  let paused: Promise<void> | undefined;
  let busy = 0;
  let onIdle: (() => void) | undefined;

  const oneOperation = async (): Promise<void> => {
    const pick = random();
    const hold = random() * 3;
    if (pick < 0.6) {
      const lease = await pool.acquire();
      await sleep(hold);
      lease.release();
      count('released');
    } else if (pick < 0.7) {
      const lease = await pool.acquire();
      lease.destroy(new Error('soak: destroyed on purpose'));
      count('destroyed');
    } else if (pick < 0.8) {
      const lease = await pool.acquire({ timeoutMs: 1 });
      lease.release();
      count('released');
    } else if (pick < 0.9) {
      const controller = new AbortController();
      const abort = setTimeout(() => controller.abort(new Error('soak: aborted on purpose')), 1);
      try {
        const lease = await pool.acquire({ signal: controller.signal });
        lease.release();
        count('released');
      } finally {
        clearTimeout(abort);
      }
    } else {
      await pool.use(() => sleep(hold));
      count('used');
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) {
      if (paused !== undefined) {
        await paused;
        continue;
      }
      busy++;
      try {
        await oneOperation();
      } catch (error) {
        if (isPoolError(error, 'POOL_TIMEOUT')) count('timeout');
        else if (isPoolError(error, 'POOL_ABORTED')) count('aborted');
        else {
          count('unexpected');
          if (unexpected.length < 20) unexpected.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        }
      }
      operations++;
      busy--;
      if (busy === 0) onIdle?.();
    }
  };

  const samples: SoakSample[] = [];
  let accountingHeld = true;
  const started = Date.now();
  const sample = async (): Promise<void> => {
    let resume: () => void = () => {};
    paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    if (busy > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    onIdle = undefined;
    // let creates and destroys in flight settle (bounded)
    for (let i = 0; i < 100 && (pool.stats().creating > 0 || pool.stats().borrowed > 0); i++) await nextTurn();
    collectGarbage();
    const stats = pool.stats();
    if (stats.creating === 0 && stats.totals.created - stats.totals.destroyed !== stats.size) accountingHeld = false;
    const taken: SoakSample = {
      seconds: (Date.now() - started) / 1000,
      heapUsedBytes: process.memoryUsage().heapUsed,
      activeResources: process.getActiveResourcesInfo().length,
      operations,
      stats,
    };
    samples.push(taken);
    log(`  soak ${taken.seconds.toFixed(0).padStart(5)} s  ops ${operations.toLocaleString('en-US').padStart(12)}  heap ${(taken.heapUsedBytes / 1048576).toFixed(2)} MB  handles ${taken.activeResources}  size ${stats.size} idle ${stats.idle}`);
    paused = undefined;
    resume();
  };

  log(`# soak: @pool/core, ${options.minutes} min, ${workers} callers, sample every ${(sampleMs / 1000).toFixed(1)} s`);
  const running = Array.from({ length: workers }, () => worker());
  await sleep(Math.min(sampleMs, 1_000));
  await sample(); // baseline after warm-up
  while (Date.now() - started < durationMs) {
    await sleep(Math.min(sampleMs, Math.max(0, durationMs - (Date.now() - started))));
    await sample();
  }
  stopping = true;
  await Promise.all(running);
  await pool.close({ timeoutMs: 5_000 });
  const closed = pool.stats();
  if (closed.totals.created !== closed.totals.destroyed) accountingHeld = false;

  const third = Math.max(1, Math.floor(samples.length / 3));
  const heapGrowthBytes = medianOf(samples.slice(-third).map((s) => s.heapUsedBytes)) - medianOf(samples.slice(0, third).map((s) => s.heapUsedBytes));
  const handleGrowth = Math.max(...samples.map((s) => s.activeResources)) - (samples[0]?.activeResources ?? 0);
  const heapFlat = heapGrowthBytes < HEAP_FLAT_BYTES;
  const handlesFlat = handleGrowth <= HANDLES_FLAT;
  const result: SoakResult = {
    environment: environment(),
    minutes: options.minutes,
    workers,
    operations,
    outcomes,
    samples,
    heapGrowthBytes,
    heapFlat,
    handleGrowth,
    handlesFlat,
    accountingHeld,
    unexpectedErrors: unexpected,
    flat: heapFlat && handlesFlat && accountingHeld && (outcomes.unexpected ?? 0) === 0,
  };
  const verdict = `heap ${heapFlat ? 'flat' : 'GROWING'} (${(heapGrowthBytes / 1048576).toFixed(2)} MB first→last third), ` +
    `handles ${handlesFlat ? 'flat' : 'GROWING'} (+${handleGrowth}), accounting ${accountingHeld ? 'held' : 'BROKEN'}, ` +
    `unexpected errors ${outcomes.unexpected ?? 0}`;
  log(`soak: ${operations.toLocaleString('en-US')} operations; ${verdict}`);

  const dir = options.outDir ?? defaultResultsDir;
  await mkdir(dir, { recursive: true });
  const files = { markdown: join(dir, 'soak.md'), json: join(dir, 'soak.json') };
  const rows = samples.map((s) => `| ${s.seconds.toFixed(0)} | ${s.operations.toLocaleString('en-US')} | ${(s.heapUsedBytes / 1048576).toFixed(2)} | ${s.activeResources} | ${s.stats.size} | ${s.stats.totals.created} | ${s.stats.totals.destroyed} |`);
  const markdown = [
    '# @pool/core soak (reliability row 29)',
    '',
    `${result.environment.date} · Node ${result.environment.node} · ${result.environment.cpu} · ${options.minutes} min · ${workers} callers`,
    '',
    `**${result.flat ? 'Flat' : 'NOT flat'}**: ${verdict}.`,
    '',
    `Outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`,
    '',
    '| s | operations | heap MB (after GC) | active handles | size | created | destroyed |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
  await writeFile(files.markdown, markdown);
  await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${files.markdown}, ${files.json}`);
  return { result, files };
}
