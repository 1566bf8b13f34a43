import { collectGarbage } from './gc.js';
import { median, percentile } from './stats.js';

/** One side of a closed-loop comparison: a name and the operation its callers repeat. */
export interface Contender {
  /** Shown in the table, e.g. `@pool/pg` or `pg.Pool`. */
  name: string;
  /** One operation (a query, a command, a request); resolves when it is done. */
  op: () => Promise<unknown>;
}

/** What {@link Comparison.setup} returns when the comparison can run. */
export interface ComparisonSetup {
  /** The first contender is the baseline of the ratio column. */
  contenders: Contender[];
  /** Closes every pool and client the setup opened. */
  teardown: () => Promise<void>;
}

/**
 * A closed-loop comparison an adapter adds as `apps/bench/src/compare/<adapter>.ts` (default export):
 * `concurrency` callers each loop `op()` until `operations` operations are done, for each contender,
 * interleaved in rounds (A B A B ...).
 */
export interface Comparison {
  /** Workload id shown in the output and matched by `--only`, e.g. `W5`. */
  id: string;
  title: string;
  /** Callers looping at once. */
  concurrency: number;
  /** Operations per contender per round. */
  operations: number;
  /** Opens the pools; `{ skipped }` with a reason when the server is unreachable. */
  setup(): Promise<ComparisonSetup | { skipped: string }>;
}

/** How to run comparisons. */
export interface ComparisonRunOptions {
  rounds: number;
  /** Divides `operations` (smoke test). @default 1 */
  operationsDivisor?: number;
  /** Progress lines; nothing by default. */
  log?: (line: string) => void;
}

/** One contender's medians over the rounds. */
export interface ComparisonRow {
  pool: string;
  /** Median over rounds. */
  opsPerSec: number;
  /** opsPerSec / the first contender's opsPerSec. */
  ratio: number;
  /** Median over rounds of each round's p99 operation latency, in ms. */
  p99Ms: number;
  /**
   * Median over rounds of this process's CPU time (user + system) per operation, in µs: what the
   * pool, the driver and the event loop cost the application per call. Steadier than ops/s on a
   * shared machine, because time the process spends descheduled is not counted.
   */
  cpuUsPerOp: number;
  /**
   * Median over rounds of (this contender's ops/s / the first contender's ops/s) within the same
   * round: each pair ran back to back, so slow drift of the machine cancels out.
   */
  pairedRatio: number;
  /** Operations per round (every round completed all of them). */
  operations: number;
  /** Errors thrown by `op()`, summed over rounds. */
  errors: number;
  roundsOpsPerSec: number[];
}

/** The outcome of one comparison: rows, or why it was skipped. */
export type ComparisonResult =
  | { id: string; title: string; concurrency: number; operations: number; rows: ComparisonRow[] }
  | { id: string; title: string; skipped: string };

interface RoundSample {
  opsPerSec: number;
  p99Ms: number;
  cpuUsPerOp: number;
  errors: number;
}

/** Runs `operations` calls of `op` with `concurrency` callers; records each latency. */
async function closedLoop(op: () => Promise<unknown>, concurrency: number, operations: number): Promise<RoundSample> {
  const latencies = new Float64Array(operations);
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const caller = async (): Promise<void> => {
    while (next < operations) {
      const index = next++;
      const started = process.hrtime.bigint();
      try {
        await op();
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      latencies[index] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const callers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, operations); i++) callers.push(caller());
  await Promise.all(callers);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  if (errors === operations) throw firstError;
  return { opsPerSec: operations / seconds, p99Ms: percentile(latencies, 0.99), cpuUsPerOp: (cpu.user + cpu.system) / operations, errors };
}

/**
 * Runs one comparison: setup, a warm-up of a round per contender (two interleaved halves), then `rounds` rounds with the
 * contenders interleaved and a GC between runs, then teardown (always). Odd rounds run the
 * contenders in reverse (A B, B A, A B, ...), so going first or second favours no one.
 */
export async function runComparison(comparison: Comparison, options: ComparisonRunOptions): Promise<ComparisonResult> {
  const { id, title, concurrency } = comparison;
  const operations = Math.max(1, Math.floor(comparison.operations / (options.operationsDivisor ?? 1)));
  const setup = await comparison.setup();
  if ('skipped' in setup) return { id, title, skipped: setup.skipped };
  try {
    const samples = setup.contenders.map(() => [] as RoundSample[]);
    // warm-up: a full round's worth per contender, in two interleaved halves, so every contender's
    // code (and the driver code they share, which each one's objects make polymorphic) is optimised
    // in its final shape before the first measured round; a tenth of a round left the first rounds
    // of whichever ran first up to 15% slow
    const warmup = Math.max(concurrency, Math.floor(operations / 2));
    for (let pass = 0; pass < 2; pass++) {
      for (const contender of setup.contenders) await closedLoop(contender.op, concurrency, warmup);
    }
    for (let round = 0; round < options.rounds; round++) {
      const order = setup.contenders.map((_, index) => index);
      if (round % 2 === 1) order.reverse();
      for (const index of order) {
        const contender = setup.contenders[index] as Contender;
        collectGarbage();
        const sample = await closedLoop(contender.op, concurrency, operations);
        samples[index]?.push(sample);
        options.log?.(`  ${id} round ${round + 1}/${options.rounds} ${contender.name}: ${Math.round(sample.opsPerSec)} ops/s`);
      }
    }
    const medians = samples.map((list) => median(list.map((s) => s.opsPerSec)));
    const base = medians[0] ?? 1;
    const baseSamples = samples[0] ?? [];
    const rows = setup.contenders.map((contender, index): ComparisonRow => {
      const list = samples[index] ?? [];
      const opsPerSec = medians[index] ?? 0;
      return {
        pool: contender.name,
        opsPerSec,
        ratio: opsPerSec / base,
        pairedRatio: median(list.map((s, round) => s.opsPerSec / (baseSamples[round]?.opsPerSec ?? Number.NaN))),
        p99Ms: median(list.map((s) => s.p99Ms)),
        cpuUsPerOp: median(list.map((s) => s.cpuUsPerOp)),
        operations,
        errors: list.reduce((sum, s) => sum + s.errors, 0),
        roundsOpsPerSec: list.map((s) => s.opsPerSec),
      };
    });
    return { id, title, concurrency, operations, rows };
  } finally {
    await setup.teardown();
  }
}
