import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environment, type Environment } from '../report/environment.js';
import { median } from './metrics.js';
import type { Trial } from './trial.js';
import { checksMarkdown, doneWhenChecks } from './verdict.js';

/** All trials of one pool under one fault. */
export interface FaultRow {
  scenario: 'restart' | 'freeze' | 'kill-idle';
  scenarioTitle: string;
  engine: string;
  pool: string;
  /** The per-call deadline the row's pool was given, if any. */
  deadlineMs?: number;
  /** See `Contender.frozenBoundMs`. */
  frozenBoundMs?: number;
  trials: Trial[];
}

/** The run's settings, printed with the table. */
export interface FaultSettings {
  callers: number;
  max: number;
  deadlineMs: number;
  restartDownMs: number;
  freezeMs: number;
  preMs: number;
  restartObserve: { minMs: number; maxMs: number };
  freezeObserve: { minMs: number; maxMs: number };
  killObserve: { minMs: number; maxMs: number };
  trials: number;
  freezeTrials: number;
}

const num = (value: number | undefined) => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));

/** Median of one figure over the trials. */
function med(row: FaultRow, pick: (trial: Trial) => number | undefined): string {
  return num(median(row.trials.map(pick)));
}

/** Every trial's value, for the raw table; `missing` for a trial without one. */
function raw(row: FaultRow, pick: (trial: Trial) => number | undefined, missing = 'never'): string {
  return row.trials.map((trial) => (pick(trial) === undefined ? missing : String(Math.round(pick(trial) as number)))).join(' / ');
}

const HEAD = '| server | pool | failed calls | failed without `code` | past deadline + 100 ms | slowest call ms | lent broken | first success ms | full throughput ms | never recovered |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';

function medianLine(row: FaultRow): string {
  const never = row.trials.filter((trial) => trial.fullThroughputMs === undefined).length;
  return `| ${row.engine} | ${row.pool} | ${med(row, (t) => t.failed)} | ${med(row, (t) => t.failedWithoutCode)} | ${med(row, (t) => t.pastDeadline)} | ${med(row, (t) => t.slowestMs)} | ${
    row.trials.some((t) => t.lentBroken !== undefined) ? med(row, (t) => t.lentBroken) : 'n/a'
  } | ${med(row, (t) => t.firstSuccessMs)} | ${med(row, (t) => t.fullThroughputMs)} | ${never} of ${row.trials.length} |`;
}

function rawLine(row: FaultRow): string {
  return `| ${row.engine} | ${row.pool} | ${raw(row, (t) => t.calls)} | ${raw(row, (t) => t.failed)} | ${raw(row, (t) => t.failedWithoutCode)} | ${raw(row, (t) => t.pastDeadline)} | ${raw(row, (t) => t.unsettled)} | ${raw(row, (t) => t.slowestMs)} | ${raw(row, (t) => t.lentBroken, 'n/a')} | ${raw(row, (t) => t.firstSuccessMs)} | ${raw(row, (t) => t.fullThroughputMs)} |`;
}

/** The markdown of `pnpm bench --faults`. */
export function faultMarkdown(rows: readonly FaultRow[], settings: FaultSettings & { seconds: number; quick: boolean }, env: Environment = environment()): string {
  const lines: string[] = [];
  lines.push('# Fault benchmark: @pool against the pools users would otherwise use', '');
  lines.push(`${env.date.slice(0, 16).replace('T', ' ')} UTC · Node ${env.node} · ${env.cpu} × ${env.cores} · ${env.platform} · ${settings.seconds.toFixed(0)} s in all${settings.quick ? ' · **--quick: not comparable**' : ''}`, '');
  lines.push('Command: `pnpm bench --faults` (from the repository root). Private PostgreSQL, MariaDB, Redis and HTTP (a node:http process) servers started for the run on free loopback ports (`@pool/testkit` `startPrivate*`), never the shared ones.', '');
  lines.push('## Settings', '');
  lines.push(`- Load: ${settings.callers} callers, each making one-shot calls in a closed loop (\`SELECT 1\` through \`pool.query\`; Redis \`GET\`); a caller whose call failed waits 10 ms before the next. Pool max ${settings.max} (ioredis: one client). Each row gets a fresh pool; rows alternate order between trials.`);
  lines.push(`- Deadline: rows marked \`${settings.deadlineMs}\` get a ${settings.deadlineMs} ms per-call deadline in the pool's own terms; "past deadline" counts calls that took longer than ${settings.deadlineMs} + 100 ms, for every row (a row without a deadline is held to the same ${settings.deadlineMs} ms).`);
  lines.push(`- restart: ${settings.preMs} ms of steady load, clean shutdown (PostgreSQL fast, SIGINT; MariaDB, Redis and the HTTP server SIGTERM), ${settings.restartDownMs} ms down, start on the same port; watched from the server answering again until full throughput + 200 ms (at least ${settings.restartObserve.minMs} ms, at most ${settings.restartObserve.maxMs} ms). ${settings.trials} trials per row.`);
  lines.push(`- freeze: ${settings.preMs} ms of steady load, SIGSTOP of every process of the server for ${settings.freezeMs / 1000} s, SIGCONT; watched ${settings.freezeObserve.minMs}–${settings.freezeObserve.maxMs} ms after (as for restart). One engine is frozen at a time (frozen together, the three pools' checks and failures fell due in the same milliseconds of one event loop, and each engine's slowest call carried the others' work). ${settings.freezeTrials} trial(s) per row.`);
  lines.push(`- kill-idle: ${settings.preMs} ms of steady load, then the server ends every idle session under that load (PostgreSQL \`pg_terminate_backend\` of the idle backends, MariaDB \`KILL CONNECTION\` of the sleeping ones, Redis \`CLIENT KILL TYPE normal\`, the HTTP server's idle keep-alive connections closed); with one-shot calls most sessions sit idle between a reply and the next call. Watched ${settings.killObserve.minMs}–${settings.killObserve.maxMs} ms. One row of each engine at a time, side by side. ${settings.trials} trials per row.`);
  lines.push('- Figures (medians over the trials): **failed calls** (in a closed loop of ${settings.callers} callers, ${settings.callers} calls are in flight when the server goes down: what a restart may fairly fail); **failed without `code`** (no string/number `code` on the error); **past deadline + 100 ms** (settled late or never); **slowest call**; **lent broken** (the pool\'s `acquire` event handed out a connection whose driver state was already dead: pg `_queryable`/`_ending`, mysql2 `_fatalError`/`_closing`, ioredis `status`; n/a for a single client); **first success** (the first successful call that ended after the outage began, in ms from the server being back: the readiness probe answering, SIGCONT, or the callers resuming; negative when a pool got in before the 5 ms probe did); **full throughput** (start of the first 100 ms window, sliding from that first success, with >= 80 % of the pre-fault rate of successful calls); **never recovered** (trials without such a window before the end of the watch). The first success after a freeze is looked for from 1 s into it (replies sent before the SIGSTOP may be read late by a busy event loop).', '');
  for (const scenario of ['restart', 'freeze', 'kill-idle'] as const) {
    const ofScenario = rows.filter((row) => row.scenario === scenario);
    if (ofScenario.length === 0) continue;
    lines.push(`## ${scenario}: ${ofScenario[0]?.scenarioTitle}`, '', HEAD, ...ofScenario.map(medianLine), '');
  }
  lines.push(...checksMarkdown(doneWhenChecks(rows, settings.callers)));
  lines.push('## Raw: every trial (trial 1 / trial 2 / ...)', '');
  lines.push('| server | pool | calls | failed | no code | past deadline | unsettled at end | slowest ms | lent broken | first success ms | full throughput ms |\n|---|---|---|---|---|---|---|---|---|---|---|');
  for (const scenario of ['restart', 'freeze', 'kill-idle'] as const) {
    const ofScenario = rows.filter((row) => row.scenario === scenario);
    if (ofScenario.length === 0) continue;
    lines.push(`| **${scenario}** | | | | | | | | | | |`, ...ofScenario.map(rawLine));
  }
  lines.push('', '## Failures by kind (all trials; `code Class: message`, numbers masked)', '');
  for (const row of rows) {
    const totals: Record<string, number> = {};
    for (const trial of row.trials) for (const [kind, count] of Object.entries(trial.errors)) totals[kind] = (totals[kind] ?? 0) + count;
    const kinds = Object.entries(totals).sort((a, b) => b[1] - a[1]);
    if (kinds.length === 0) continue;
    lines.push(`- ${row.scenario}, ${row.pool}: ${kinds.slice(0, 4).map(([kind, count]) => `${count} × \`${kind.replace(/`/g, "'")}\``).join('; ')}`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** Writes faults.md and faults.json into `dir` (default apps/bench/results; --quick: results/quick). */
export function writeFaultReport(rows: readonly FaultRow[], settings: FaultSettings & { seconds: number; quick: boolean }, outDir: string | undefined): string[] {
  const base = fileURLToPath(new URL('../../results/', import.meta.url));
  const dir = outDir ?? (settings.quick ? join(base, 'quick') : base);
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'faults.md');
  const json = join(dir, 'faults.json');
  writeFileSync(markdown, faultMarkdown(rows, settings));
  writeFileSync(json, `${JSON.stringify({ environment: environment(), settings, rows }, null, 2)}\n`);
  return [markdown, json];
}
