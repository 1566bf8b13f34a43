import { startLoad } from './load.js';
import { trialFigures, type TrialFigures } from './metrics.js';
import type { FaultServer, Scenario } from './scenarios.js';
import { DEADLINE_MS } from './contenders/shared.js';
import type { Contender } from './types.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Figures of one trial, plus how many times the pool lent a dead connection (undefined: not observable). */
export interface Trial extends TrialFigures {
  lentBroken: number | undefined;
  /** How many failures of each kind (see `errorKind`). */
  errors: Record<string, number>;
}

/** Settings of {@link runTrial}. */
export interface TrialSettings {
  /** Steady load before the fault. @default 1000 */
  preMs?: number;
  /** Skipped at the start when measuring the pre-fault rate (pools open their connections). @default 300 */
  warmupMs?: number;
  callers?: number;
}

/** Makes sure the server answers a plain call before a trial (a previous fault may still be settling). */
async function firstCall(call: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** One trial: open the pool, load it, inject the fault, watch it recover, close it. */
export async function runTrial(contender: Contender, server: FaultServer, scenario: Scenario, settings: TrialSettings = {}): Promise<Trial> {
  if (!server.running) await server.start();
  if (server.frozen) server.thaw();
  const subject = await contender.open(server.url);
  try {
    await firstCall(() => subject.call(), 15_000);
    const load = startLoad(subject, { callers: settings.callers ?? 50 });
    const startedAt = performance.now();
    await sleep(settings.preMs ?? 1_000);
    const fault = await scenario.inject(server, load);
    const metricSettings = (endAt: number) => ({ deadlineMs: contender.deadlineMs ?? DEADLINE_MS, steadyFrom: startedAt + (settings.warmupMs ?? 300), endAt });
    // watch at least minMs after the server is back, then until full throughput (+ one window), at most maxMs
    for (;;) {
      await sleep(100);
      const now = performance.now();
      if (now >= fault.backAt + scenario.observe.maxMs) break;
      if (now < fault.backAt + scenario.observe.minMs) continue;
      const full = trialFigures(load.samples, [], fault, metricSettings(now)).fullThroughputMs;
      if (full !== undefined && now >= fault.backAt + full + 200) break;
    }
    const endAt = performance.now();
    const pending = await load.stop(1_000);
    const figures = trialFigures(load.samples, pending, fault, metricSettings(endAt));
    const errors: Record<string, number> = {};
    for (const sample of load.samples) if (sample.kind !== undefined) errors[sample.kind] = (errors[sample.kind] ?? 0) + 1;
    return { ...figures, lentBroken: subject.lentBroken?.(), errors };
  } finally {
    await subject.close();
  }
}
