import { startPrivateHttpServer, startPrivateMariadb, startPrivatePostgres, startPrivateRedisServer } from '@pool/testkit';
import { httpContenders } from './contenders/http.js';
import { mysqlContenders } from './contenders/mysql.js';
import { pgContenders } from './contenders/pg.js';
import { redisContenders } from './contenders/redis.js';
import { DEADLINE_MS, MAX } from './contenders/shared.js';
import { writeFaultReport, type FaultRow, type FaultSettings } from './report.js';
import { freezeScenario, killIdleScenario, restartScenario, type FaultServer, type Scenario } from './scenarios.js';
import { runTrial, type Trial } from './trial.js';
import type { Contender } from './types.js';

/** What `pnpm bench --faults` was asked for. */
export interface FaultOptions {
  /** Trials per row for the restart and the idle-session kill (medians reported). */
  trials: number;
  /** Trials per row for the freeze (10 s each, the engines frozen side by side). */
  freezeTrials: number;
  /** Shorter everything: a smoke test (numbers not comparable). */
  quick: boolean;
  /** Engines to run (pg, mysql, redis, http); empty = all. */
  engines: string[];
  outDir: string | undefined;
  log(line: string): void;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const at = by % Math.max(1, items.length);
  return [...items.slice(at), ...items.slice(0, at)];
}

function fmt(trial: Trial): string {
  const ms = (value: number | undefined) => (value === undefined ? 'never' : `${Math.round(value)} ms`);
  return `failed ${trial.failed} (no code ${trial.failedWithoutCode}), past deadline ${trial.pastDeadline}, lent broken ${trial.lentBroken ?? '-'}, first ok ${ms(trial.firstSuccessMs)}, full ${ms(trial.fullThroughputMs)}`;
}

/**
 * `pnpm bench --faults`: private PostgreSQL, MariaDB, Redis and HTTP servers (never the shared ones),
 * each row's pool under the same load (50 callers, max 10, one-shot SELECT 1 / GET), and three faults:
 * a restart, a 10 s freeze, the idle sessions ended by the server. Writes results/faults.md and .json.
 */
export async function runFaults(options: FaultOptions): Promise<FaultRow[]> {
  const { log } = options;
  const quick = options.quick;
  const settings: FaultSettings = {
    callers: 50,
    max: MAX,
    deadlineMs: DEADLINE_MS,
    restartDownMs: quick ? 500 : 1_500,
    freezeMs: quick ? 3_000 : 10_000,
    preMs: quick ? 600 : 800,
    restartObserve: { minMs: 1_000, maxMs: quick ? 2_000 : 5_000 },
    freezeObserve: { minMs: 1_000, maxMs: 3_000 },
    killObserve: { minMs: 1_000, maxMs: 3_000 },
    trials: options.trials,
    freezeTrials: options.freezeTrials,
  };
  const aliases: Record<string, string[]> = { PostgreSQL: ['pg', 'postgres', 'postgresql'], MariaDB: ['mysql', 'mariadb'], Redis: ['redis'], HTTP: ['http'] };
  const wanted = (engine: string) => options.engines.length === 0 || options.engines.some((name) => (aliases[engine] ?? []).includes(name.toLowerCase()));
  const groups: { contenders: Contender[]; start: () => Promise<FaultServer> }[] = [
    { contenders: pgContenders, start: () => startPrivatePostgres() },
    { contenders: mysqlContenders, start: () => startPrivateMariadb() },
    { contenders: redisContenders, start: () => startPrivateRedisServer() },
    { contenders: httpContenders, start: () => startPrivateHttpServer() },
  ].filter((group) => wanted(group.contenders[0]?.engine ?? ''));
  const began = performance.now();
  log(`faults: starting ${groups.length} private server(s)`);
  const servers = await Promise.all(groups.map((group) => group.start()));
  const rows = new Map<string, FaultRow>();
  const record = (scenario: Scenario, contender: Contender, trial: Trial) => {
    const key = `${scenario.id}\u0000${contender.name}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        scenario: scenario.id,
        scenarioTitle: scenario.title,
        engine: contender.engine,
        pool: contender.name,
        ...(contender.deadlineMs !== undefined ? { deadlineMs: contender.deadlineMs } : {}),
        ...(contender.frozenBoundMs !== undefined ? { frozenBoundMs: contender.frozenBoundMs } : {}),
        trials: [],
      };
      rows.set(key, row);
    }
    row.trials.push(trial);
    log(`  ${scenario.id} ${contender.name}: ${fmt(trial)}`);
    const kinds = Object.entries(trial.errors).sort((a, b) => b[1] - a[1]).slice(0, 3);
    for (const [kind, count] of kinds) log(`      ${count} × ${kind}`);
  };
  try {
    const scenarios = [
      restartScenario(settings.restartDownMs, settings.restartObserve),
      killIdleScenario(settings.killObserve),
      freezeScenario(settings.freezeMs, settings.freezeObserve),
    ];
    for (const scenario of scenarios) {
      log(`faults: ${scenario.title}`);
      const trials = scenario.id === 'freeze' ? options.freezeTrials : options.trials;
      if (!scenario.sideBySide) {
        for (const [index, group] of groups.entries()) {
          for (let trial = 0; trial < trials; trial++) {
            for (const contender of rotate(group.contenders, trial)) {
              record(scenario, contender, await runTrial(contender, servers[index] as FaultServer, scenario, { preMs: settings.preMs }));
            }
          }
        }
        continue;
      }
      // one row of each engine at a time, each on its own server
      const slots = Math.max(...groups.map((group) => group.contenders.length));
      for (let trial = 0; trial < trials; trial++) {
        for (let slot = 0; slot < slots; slot++) {
          await Promise.all(
            groups.map(async (group, index) => {
              const contender = rotate(group.contenders, trial)[slot];
              if (contender === undefined) return;
              record(scenario, contender, await runTrial(contender, servers[index] as FaultServer, scenario, { preMs: settings.preMs }));
            }),
          );
        }
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.dispose()));
  }
  const ordered = [...rows.values()];
  const order = [...groups.flatMap((group) => group.contenders.map((contender) => contender.name))];
  const scenarios = ['restart', 'freeze', 'kill-idle'];
  ordered.sort((a, b) => scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario) || order.indexOf(a.pool) - order.indexOf(b.pool));
  const seconds = (performance.now() - began) / 1000;
  const files = writeFaultReport(ordered, { ...settings, seconds, quick }, options.outDir);
  log(`faults: done in ${seconds.toFixed(0)} s; wrote ${files.join(', ')}`);
  return ordered;
}
