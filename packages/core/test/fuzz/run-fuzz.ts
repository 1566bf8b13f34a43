import fc from 'fast-check';
import { optionsArbitrary, faultsArbitrary, type FuzzOptions } from './arbitraries.js';
import type { Faults } from './chaos-provider.js';
import { stepArbitrary } from './commands.js';
import { FuzzModel, type Core } from './fuzz-model.js';
import { seededRandom } from './seeded-random.js';
import { VirtualClock } from './virtual-clock.js';

/** What one seed did. */
export interface SeedResult {
  seed: number;
  operations: number;
  runs: number;
  wallMs: number;
  /** How the fuzzer's promises ended (`lease`, `POOL_TIMEOUT`, ...) and which destroy reasons occurred: proof the edges were reached. */
  outcomes: Record<string, number>;
}

/** Longest command sequence of one run (the pool is closed and checked after each). */
const MAX_COMMANDS = 400;

/** One run: a fresh pool, the commands, then close and the end-of-run checks. Returns the commands executed. */
async function runOnce(core: Core, options: FuzzOptions, faults: Faults, closeTimeoutMs: number, rngSeed: number, commands: Iterable<fc.AsyncCommand<FuzzModel, FuzzModel>>, outcomes: Record<string, number>): Promise<number> {
  const clock = new VirtualClock();
  const restoreClock = clock.install();
  const realRandom = Math.random;
  Math.random = seededRandom(rngSeed ^ 0x9e3779b9); // the pool's jitter and backoff replay too
  let model: FuzzModel | undefined;
  try {
    model = new FuzzModel(core, clock, options, faults, seededRandom(rngSeed));
    const m = model;
    m.pool.on('destroy', (event) => count(outcomes, `destroy:${event.reason}`));
    await fc.asyncModelRun(() => ({ model: m, real: m }), commands);
    await finish(m, closeTimeoutMs);
    for (const t of m.tracked) count(outcomes, `${t.kind}:${(t.outcome ?? 'none').replace(/ #\d+$/, '')}`);
    return m.commands;
  } finally {
    restoreClock();
    Math.random = realRandom;
  }
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** Closes the pool, gives every lease back, runs virtual time until all is quiet, and checks the end state. */
async function finish(m: FuzzModel, closeTimeoutMs: number): Promise<void> {
  const { pool, clock, provider } = m;
  if (!m.closed) m.close(closeTimeoutMs);
  await clock.flush();
  m.check('close() at the end of the run');
  while (m.leases.length > 0) m.release(0, false);
  await clock.flush();
  m.check('every lease given back');
  const limit = clock.now + 120_000;
  while (clock.now < limit) {
    const quiet = m.tracked.every((t) => t.settled) && provider.createsRunning === 0 && clock.pending() === 0;
    if (quiet) break;
    const next = clock.nextAt();
    await clock.advance(next === undefined ? 1 : Math.max(1, next - clock.now));
  }
  const problems: string[] = [];
  const open = m.tracked.filter((t) => !t.settled);
  if (open.length > 0) problems.push(`${open.length} promise(s) never settled: ${open.slice(0, 5).map((t) => `${t.kind} #${t.id}${t.inFn ? ' (in fn)' : ''}`).join(', ')}`);
  if (clock.pending() > 0) problems.push(`${clock.pending()} timer(s) still scheduled after close() finished`);
  const s = pool.stats();
  if (s.size !== 0 || s.idle !== 0 || s.borrowed !== 0 || s.creating !== 0 || s.pending !== 0) problems.push(`closed pool not empty: ${JSON.stringify(s)}`);
  if (s.totals.created !== s.totals.destroyed) problems.push(`totals.created ${s.totals.created} != totals.destroyed ${s.totals.destroyed} after close`);
  if (provider.created !== provider.destroyed || provider.live.size !== 0) {
    problems.push(`provider created ${provider.created} resources but destroyed ${provider.destroyed} (${provider.live.size} leaked)`);
  }
  m.violations.push(...problems);
  m.check('end of run: everything settled and destroyed');
}

/**
 * Runs the property for one seed until at least `targetOps` operations were executed. Throws
 * fast-check's report (seed, path, shrunk counterexample) on the first invariant broken.
 */
export async function fuzzSeed(core: Core, seed: number, targetOps: number): Promise<SeedResult> {
  const started = performance.now();
  let operations = 0;
  let runs = 0;
  const outcomes: Record<string, number> = {};
  const property = fc.asyncProperty(
    optionsArbitrary,
    faultsArbitrary,
    fc.integer({ min: 0, max: 300 }),
    fc.integer(),
    fc.commands([stepArbitrary], { maxCommands: MAX_COMMANDS, size: 'max' }),
    async (options, faults, closeTimeoutMs, rngSeed, commands) => {
      runs++;
      operations += await runOnce(core, options, faults, closeTimeoutMs, rngSeed, commands, outcomes);
    },
  );
  for (let round = 0; operations < targetOps; round++) {
    const left = targetOps - operations;
    // a run averages about half of MAX_COMMANDS steps; later rounds top up what is missing
    const numRuns = Math.max(1, Math.ceil(left / (MAX_COMMANDS / 2)));
    await fc.assert(property, { seed: (seed + round * 104_729) | 0, numRuns, endOnFailure: false });
  }
  return { seed, operations, runs, wallMs: performance.now() - started, outcomes };
}
