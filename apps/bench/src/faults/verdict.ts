import { median } from './metrics.js';
import type { FaultRow } from './report.js';
import type { Trial } from './trial.js';

/** One check of issue 14's "Done when" against a row's medians. */
export interface Check {
  scenario: FaultRow['scenario'];
  pool: string;
  what: string;
  ok: boolean;
  detail: string;
}

const med = (row: FaultRow, pick: (trial: Trial) => number | undefined) => median(row.trials.map(pick));
const ms = (value: number | undefined) => (value === undefined ? 'never' : `${Math.round(value)} ms`);

/**
 * Issue 14's targets for @pool's rows, from the medians: after a restart, first success within
 * 200 ms of the fastest control of the same engine and full throughput within 1 s; failed calls at
 * most those in flight (one per caller; HTTP: undici's failed calls plus those); and in every scenario no failure without a `code`, no dead
 * connection lent, no call past its deadline + 100 ms (rows that have one), recovery in every trial.
 */
export function doneWhenChecks(rows: readonly FaultRow[], callers: number): Check[] {
  const checks: Check[] = [];
  const ours = rows.filter((row) => row.pool.startsWith('@pool/'));
  for (const row of ours) {
    const add = (what: string, ok: boolean, detail: string) => checks.push({ scenario: row.scenario, pool: row.pool, what, ok, detail });
    const noCode = med(row, (t) => t.failedWithoutCode) ?? 0;
    add('failed calls without a code: 0', noCode === 0, String(noCode));
    const lent = med(row, (t) => t.lentBroken) ?? 0;
    add('dead connections lent: 0', lent === 0, String(lent));
    const never = row.trials.filter((trial) => trial.fullThroughputMs === undefined).length;
    add('recovered in every trial', never === 0, `${never} of ${row.trials.length} never`);
    if (row.deadlineMs !== undefined) {
      const late = med(row, (t) => t.pastDeadline) ?? 0;
      add('calls past the deadline + 100 ms: 0', late === 0, String(late));
    }
    if (row.scenario === 'freeze' && row.frozenBoundMs !== undefined) {
      const slowest = med(row, (t) => t.slowestSinceFaultMs) ?? 0;
      add(`frozen, default options: every call settles within ${row.frozenBoundMs} + 100 ms of the freeze (or of its start, if later)`, slowest <= row.frozenBoundMs + 100, ms(slowest));
    }
    if (row.scenario !== 'restart') continue;
    const failed = med(row, (t) => t.failed) ?? 0;
    const controls = rows.filter((other) => other.scenario === 'restart' && other.engine === row.engine && !other.pool.startsWith('@pool/'));
    if (row.engine === 'HTTP') {
      // undici's Pool fails each call at once while the server is down (connect refused), and a
      // drop-in must too: the count is set by how fast the callers' loop spins, so it is held to
      // what undici's rows failed in the same run, plus the calls in flight
      const most = Math.max(...controls.map((control) => med(control, (t) => t.failed) ?? 0));
      add(`failed calls <= undici's + those in flight (${callers})`, failed <= most + callers, `${failed} vs ${most}`);
    } else {
      add(`failed calls <= those in flight (${callers})`, failed <= callers, String(failed));
    }
    const fastest = Math.min(...controls.map((control) => med(control, (t) => t.firstSuccessMs) ?? Infinity));
    const first = med(row, (t) => t.firstSuccessMs);
    add('first success within 200 ms of the fastest control', first !== undefined && first <= fastest + 200, `${ms(first)} vs ${ms(Number.isFinite(fastest) ? fastest : undefined)}`);
    const full = med(row, (t) => t.fullThroughputMs);
    add('full throughput within 1 s', full !== undefined && full <= 1_000, ms(full));
  }
  return checks;
}

/** The checks as markdown: the failed ones listed, the passed ones counted. */
export function checksMarkdown(checks: readonly Check[]): string[] {
  const failed = checks.filter((check) => !check.ok);
  const lines = ['## Issue 14 "Done when", checked on the medians of the @pool rows', ''];
  lines.push(`${checks.length - failed.length} of ${checks.length} checks pass.${failed.length === 0 ? '' : ' Failing:'}`, '');
  for (const check of failed) lines.push(`- ✗ ${check.scenario}, ${check.pool}: ${check.what} (got ${check.detail})`);
  if (failed.length > 0) lines.push('');
  lines.push('A frozen server with default options is checked where the adapter documents a bound (its liveness threshold + `validateTimeoutMs`); that a merely slow query is never cut is for the adapters\' tests.', '');
  return lines;
}
