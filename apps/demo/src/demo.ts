import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrometheusExporter } from '@pool/metrics';
import type { DemoOptions } from './cli/options.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';
import { renderChart } from './report/chart-svg.js';
import { failuresOf, summarizePool, type DemoSummary } from './report/summary.js';
import { summaryLines } from './report/summary-table.js';
import { FaultInjector } from './run/fault.js';
import { PoolRun } from './run/pool-run.js';
import { Recorder } from './run/recorder.js';
import { setUp } from './setup.js';
import { LiveView } from './view/live-view.js';
import { PlainView } from './view/plain-view.js';
import type { View } from './view/view.js';

/** Where the demo writes and what it can observe about the process. */
export interface DemoContext {
  stdout: NodeJS.WriteStream;
  /** Cache for the PGlite data directory template. */
  cacheDir: string;
  /** Counted by main.ts from process events. */
  unhandled: { rejections: number; exceptions: number; messages: string[] };
  /** Aborted on Ctrl-C: the workload stops early and the demo still reports what it saw. */
  interrupt?: AbortSignal;
}

const TICK_MS = 250;
/** The fault starts at this fraction of the run. */
const FAULT_AT = 0.35;

/** Runs the whole demo: set up, drive, inject the fault, report. Resolves the summary (also written to disk). */
export async function runDemo(options: DemoOptions, ctx: DemoContext): Promise<DemoSummary> {
  const out = ctx.stdout;
  const print = (line: string) => out.write(`${line}\n`);
  print(`@pool demo: ${options.only.join(', ')} for ${options.durationMs / 1000} s${options.fault ? `, fault on ${options.fault} after ${((options.durationMs * FAULT_AT) / 1000).toFixed(1)} s` : ', no fault'}`);

  const { targets, skipped, proxy } = await setUp(options, ctx.cacheDir, (m) => print(`  ${m}`));
  for (const t of targets) print(`  ${t.id.padEnd(5)} ${t.title}: ${t.endpoint} via ${t.via}`);
  for (const s of skipped) print(`  ${s.id.padEnd(5)} skipped: ${s.reason}`);

  const exporter = new PrometheusExporter();
  for (const t of targets) exporter.add(t.metered);
  let endpoint: MetricsEndpoint | undefined;
  // the live table is about 80 columns wide: on a narrower terminal, wrapped lines would break the redraw
  const view: View = options.live && (out.columns ?? 80) >= 80 ? new LiveView(out) : new PlainView(out);
  try {
    endpoint = await startMetricsEndpoint(exporter, options.metricsPort, (m) => print(`  ${m}`));
    print(`  metrics: ${endpoint.url}`);
    print('');

    const runs = targets.map((t) => new PoolRun(t));
    const startedAt = performance.now();
    const recorder = new Recorder(runs, startedAt);
    recorder.sample(); // t = 0: the pools as warmed up (min connections), before any request
    const faultRun = runs.find((r) => r.target.id === options.fault);
    const fault = proxy && faultRun ? new FaultInjector(proxy, faultRun, startedAt, options.durationMs * FAULT_AT, options.faultMs) : undefined;
    if (fault) fault.onEvent = (m) => view.note(m);
    else if (options.fault) print(`  no fault this run: ${options.fault} is not running`);

    const stop = new AbortController();
    const drives = Promise.all(runs.map((r) => r.drive(stop.signal, 25)));
    fault?.arm();
    // the last frame repeats the last tick's sample: a sample over a few ms would be noise
    const frame = (final = false) => {
      const elapsedMs = Math.min(options.durationMs, performance.now() - startedAt);
      const sample = final && recorder.samples.length ? recorder.samples.at(-1)! : recorder.sample();
      view.frame({
        elapsedMs,
        durationMs: options.durationMs,
        sample,
        runs,
        fault: fault ? { pool: fault.report().pool, phase: fault.phase } : undefined,
        metricsUrl: endpoint?.url,
      });
    };
    const ticker = setInterval(() => frame(), TICK_MS);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        ctx.interrupt?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, options.durationMs);
      ctx.interrupt?.addEventListener('abort', done, { once: true });
    });
    if (ctx.interrupt?.aborted) view.note('interrupted: stopping the workload and reporting what was seen (Ctrl-C again to quit at once)');
    stop.abort();
    clearInterval(ticker);
    frame(true);
    await boundedWait(drives, 15_000, 'the workload callers did not finish within 15 s of the end');
    await fault?.stop();
    view.end();

    // one scrape of our own endpoint, as Prometheus would do it
    const scrape = await fetch(endpoint.url).then((r) => r.text());
    const series = scrape.split('\n').filter((l) => l && !l.startsWith('#')).length;

    const faultReport = fault?.report();
    const elapsedMs = Math.round(Math.min(options.durationMs, performance.now() - startedAt));
    const pools = runs.map((r) => summarizePool(r, elapsedMs, recorder.maxSize.get(r.target.id) ?? 0, faultReport));
    await mkdir(options.outDir, { recursive: true });
    const chartPath = join(options.outDir, 'chart.svg');
    await writeFile(chartPath, renderChart({
      title: `@pool demo: ${targets.map((t) => t.id).join(', ')} (${options.durationMs / 1000} s)`,
      samples: recorder.samples,
      pools: targets.map((t) => t.id),
      durationMs: options.durationMs,
      fault: faultReport?.injectedAt !== undefined ? { pool: faultReport.pool, from: faultReport.injectedAt, to: faultReport.healedAt } : undefined,
    }));
    const partial = {
      durationMs: options.durationMs,
      elapsedMs,
      interrupted: ctx.interrupt?.aborted ?? false,
      pools,
      skipped,
      fault: faultReport,
      unhandled: ctx.unhandled,
      metrics: { url: endpoint.url, scrapes: endpoint.scrapes(), lastScrapeSeries: series },
      chart: chartPath,
      node: process.version,
    };
    const failures = failuresOf(partial);
    const summary: DemoSummary = { ok: failures.length === 0, ...partial, failures };
    await writeFile(join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    // absolute: `pnpm demo` runs in apps/demo, not where the user typed it
    for (const line of summaryLines({ ...summary, chart: resolve(chartPath) }, options.live)) print(line);
    return summary;
  } finally {
    view.end();
    exporter.close();
    await endpoint?.close();
    await Promise.all(targets.map((t) => t.close()));
    await proxy?.close();
  }
}

async function boundedWait(promise: Promise<unknown>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
