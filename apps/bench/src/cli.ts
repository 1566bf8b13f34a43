import { parseArgs } from 'node:util';

/** What `pnpm bench` was asked to do. */
export interface BenchOptions {
  /** Workload ids (W1..W4, or a comparison's id) or comparison names (pg, mysql, ...); empty = all. */
  only: string[];
  rounds: number;
  quick: boolean;
  /** Pools to run (case-insensitive parts of their names, e.g. core,hand); empty = all. */
  pools: string[];
  /** Minutes of soak traffic; when set, only the soak runs. */
  soakMinutes: number | undefined;
  /** Where latest.md/json and ratios.svg go. */
  outDir: string | undefined;
  /** Only the fault benchmark (`--faults`): restarts, freezes, killed sessions on private servers. */
  faults: boolean;
  /** W1-W4 samples taken in this process rather than each in a fresh one (`--in-process`, for profiling). */
  inProcess: boolean;
  help: boolean;
}

/** A bad command line; main prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const usage = `Usage: pnpm bench [-- options]

Runs W1-W4 against @pool/core, generic-pool 3.9, tarn 3.1, pg-pool 3 (fake Client),
a hand-written minimal pool and a bare Promise.resolve floor, interleaved in rounds,
each sample in a fresh node process, then the adapter comparisons (W5 pg, W6 mysql, W7 redis, W8 http, W7C redis-cluster, W9 pgbouncer) that are available.
Writes results/latest.md, results/latest.json and results/ratios.svg.

Options:
  --only W1,W3     run only these workloads or comparisons (ids or names: W1..W4, pg, mysql, redis, http)
  --pools a,b      only pools whose names contain these (e.g. core,hand; for profiling)
  --in-process     take the W1-W4 samples in this process (to profile it; the ratios then carry
                   every pool's compiled code into the next, see the README)
  --rounds N       rounds per workload, medians reported (default 3)
  --quick          small counts, a smoke test (numbers not comparable)
  --soak MINUTES   only the soak: mixed acquire/release/destroy/timeout/abort traffic against
                   @pool/core, heap and active handles sampled every 10 s (reliability row 29)
  --faults         only the fault benchmark: private PostgreSQL, MariaDB, Redis and HTTP servers
                   restarted, frozen and their idle sessions killed under load, @pool beside pg.Pool,
                   mysql2, ioredis and undici's Pool; writes results/faults.md (--rounds N: N trials,
                   the 10 s freeze N/3; --only pg,mysql,redis,http)
  --out DIR        write the results there instead of apps/bench/results
  --help           this text`;

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} expects a whole number >= 1, got "${text}"`);
  }
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} expects a number > 0, got "${text}"`);
  return value;
}

/** Parses argv (without node and the script); throws {@link UsageError} for anything unknown or malformed. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        rounds: { type: 'string' },
        pools: { type: 'string' },
        quick: { type: 'boolean' },
        soak: { type: 'string' },
        out: { type: 'string' },
        faults: { type: 'boolean' },
        'in-process': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const only = values.only === undefined ? [] : values.only.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (values.only !== undefined && only.length === 0) throw new UsageError('--only expects a comma-separated list, e.g. --only W1,W3');
  const pools = values.pools === undefined ? [] : values.pools.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  if (values.pools !== undefined && pools.length === 0) throw new UsageError('--pools expects a comma-separated list, e.g. --pools core,hand');
  return {
    only,
    pools,
    rounds: values.rounds === undefined ? 3 : positiveInteger('--rounds', values.rounds),
    quick: values.quick === true,
    soakMinutes: values.soak === undefined ? undefined : positiveNumber('--soak', values.soak),
    outDir: values.out,
    faults: values.faults === true,
    inProcess: values['in-process'] === true,
    help: values.help === true,
  };
}
