import { describe, expect, it } from 'vitest';
import { median, trialFigures } from '../src/faults/metrics.js';
import type { FaultRow } from '../src/faults/report.js';
import type { Trial } from '../src/faults/trial.js';
import type { CallSample } from '../src/faults/types.js';
import { doneWhenChecks } from '../src/faults/verdict.js';

/** Successful calls of 1 ms ending every `everyMs` in [from, to). */
function oks(from: number, to: number, everyMs: number): CallSample[] {
  const samples: CallSample[] = [];
  for (let end = from; end < to; end += everyMs) samples.push({ start: end - 1, end, ok: true });
  return samples;
}

const fault = { faultAt: 1000, outageAt: 1000, backAt: 2000 };
const settings = { deadlineMs: 3000, steadyFrom: 0, endAt: 4000 };

describe('fault metrics from a synthetic timeline', () => {
  // 100 successes per 100 ms before the fault; an outage of failures; back at 2000 ms: 20 per 100 ms
  // from 2050, the full rate again from 2300
  const timeline: CallSample[] = [
    ...oks(0, 1000, 1),
    { start: 995, end: 1001, ok: false, code: 'ECONNRESET' }, // in flight at the fault
    { start: 1200, end: 1201, ok: false, code: 'ECONNREFUSED' },
    { start: 1300, end: 1301, ok: false }, // no code
    { start: 1400, end: 4900, ok: false, code: 'POOL_TIMEOUT' }, // 3500 ms: past the 3000 ms deadline + 100
    { start: 1500, end: 4599, ok: true }, // 3099 ms: within deadline + 100
    ...oks(2050, 2300, 5),
    ...oks(2300, 4000, 1),
  ];

  it('counts failures, codeless failures, calls past the deadline and calls in flight at the fault', () => {
    const figures = trialFigures(timeline, [1500], fault, settings);
    expect(figures.failed).toBe(4);
    expect(figures.failedWithoutCode).toBe(1);
    // the 3500 ms call, and the call pending since 1500 when the trial ended at 4000 (2500 ms: not past)
    expect(figures.pastDeadline).toBe(1);
    expect(figures.unsettled).toBe(1);
    expect(figures.slowestMs).toBe(3500);
    // the 3500 ms call started at 1400, after the fault at 1000: all of it; the pending one: 4000 - 1500
    expect(figures.slowestSinceFaultMs).toBe(3500);
    expect(trialFigures([{ start: 900, end: 1300, ok: true }], [], fault, settings).slowestSinceFaultMs).toBe(300);
    expect(figures.inFlightAtFault).toBe(1);
    expect(figures.calls).toBe(timeline.length + 1);
  });

  it('first success is the first successful call after the outage began, from the server being back', () => {
    expect(trialFigures(timeline, [], fault, settings).firstSuccessMs).toBe(50);
    // a pool that got in before the readiness probe saw the server: negative
    expect(trialFigures([...oks(0, 1000, 1), ...oks(1990, 4000, 1)], [], fault, settings).firstSuccessMs).toBe(-10);
  });

  it('full throughput is the first 100 ms window with >= 80 % of the pre-fault rate', () => {
    const figures = trialFigures(timeline, [], fault, settings);
    expect(figures.preRate).toBe(100);
    // [2275, 2375): 5 calls of the slow phase + 75 of the full one = 80
    expect(figures.fullThroughputMs).toBe(275);
  });

  it('never recovered: no first success, or no window at the rate before the end', () => {
    const down = trialFigures([...oks(0, 1000, 1), { start: 1500, end: 1501, ok: false, code: 'ECONNREFUSED' }], [], fault, settings);
    expect(down.firstSuccessMs).toBeUndefined();
    expect(down.fullThroughputMs).toBeUndefined();
    const slow = trialFigures([...oks(0, 1000, 1), ...oks(2000, 4000, 2)], [], fault, settings);
    expect(slow.firstSuccessMs).toBe(0);
    expect(slow.fullThroughputMs).toBeUndefined(); // 50 per 100 ms is not 80
  });

  it('a call still pending at the end past its deadline counts as late', () => {
    expect(trialFigures(oks(0, 1000, 1), [500], fault, { ...settings, endAt: 3700 }).pastDeadline).toBe(1);
  });

  it('median ignores undefined values and takes the upper middle of an even count', () => {
    expect(median([3, undefined, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([undefined])).toBeUndefined();
  });
});

describe('the Done-when checks', () => {
  const trial = (over: Partial<Trial>): Trial => ({
    calls: 1000, failed: 10, failedWithoutCode: 0, pastDeadline: 0, unsettled: 0, inFlightAtFault: 50, slowestMs: 100, slowestSinceFaultMs: 100,
    firstSuccessMs: 20, fullThroughputMs: 100, preRate: 100, lentBroken: 0, errors: {}, ...over,
  });
  const row = (pool: string, trials: Trial[], deadlineMs?: number): FaultRow => ({
    scenario: 'restart', scenarioTitle: 'restart', engine: 'PostgreSQL', pool, trials, ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  });

  it('passes a row that recovers like the control, and names what fails', () => {
    const good = doneWhenChecks([row('@pool/pg (defaults)', [trial({})]), row('pg.Pool (defaults)', [trial({ firstSuccessMs: 10, failed: 900 })])], 50);
    expect(good.filter((check) => !check.ok)).toEqual([]);
    const bad = doneWhenChecks(
      [row('@pool/pg (x 3000)', [trial({ firstSuccessMs: 400, failed: 60, failedWithoutCode: 2, pastDeadline: 1, fullThroughputMs: undefined })], 3000), row('pg.Pool (defaults)', [trial({ firstSuccessMs: 10 })])],
      50,
    );
    expect(bad.filter((check) => !check.ok).map((check) => check.what)).toEqual([
      'failed calls without a code: 0',
      'recovered in every trial',
      'calls past the deadline + 100 ms: 0',
      'failed calls <= those in flight (50)',
      'first success within 200 ms of the fastest control',
      'full throughput within 1 s',
    ]);
  });

  it('HTTP: a restart may fail what undici\'s Pool fails (it refuses each call at once while the server is down) plus the calls in flight', () => {
    const http = (pool: string, failed: number): FaultRow => ({ ...row(pool, [trial({ failed })]), engine: 'HTTP' });
    const failedCheck = (ours: number) => doneWhenChecks([http('@pool/http (defaults)', ours), http('undici Pool', 7_000), http('undici Pool (signal)', 6_500)], 50).find((check) => check.what.startsWith('failed calls <='));
    expect(failedCheck(7_040)).toMatchObject({ ok: true, what: "failed calls <= undici's + those in flight (50)" });
    expect(failedCheck(7_051)).toMatchObject({ ok: false, detail: '7051 vs 7000' });
  });
});
