import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promtoolCheck, requirePromtool } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from '../src/report/summary.js';
import { runDemo } from './run-demo.js';

const EMBEDDED = ['pg', 'tcp', 'ws', 'http'];

let out: string;

// dist/ is built once by test/global-setup.ts
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'pool-demo-'));
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('pnpm demo, short mode (4 s, stdout not a TTY)', () => {
  let result: Awaited<ReturnType<typeof runDemo>>;
  let summary: DemoSummary;
  /** One scrape of /metrics from outside, as Prometheus would, while the workload runs. */
  let midRun: { status: number; contentType: string | null; text: string; stdoutBefore: string; stdoutAfter: string } | undefined;

  beforeAll(async () => {
    let scrape: Promise<void> | undefined;
    let stdoutNow = '';
    result = await runDemo(['--duration', '4s', '--metrics-port', '0', '--out', out], 110_000, {}, (stdout) => {
      stdoutNow = stdout;
      const url = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stdout)?.[1];
      if (scrape !== undefined || url === undefined) return;
      // the line is printed as the workload starts; scrape a second into the 4 s run
      scrape = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const stdoutBefore = stdoutNow;
        const response = await fetch(url);
        const text = await response.text();
        midRun = { status: response.status, contentType: response.headers.get('content-type'), text, stdoutBefore, stdoutAfter: stdoutNow };
      })();
    });
    await scrape;
    summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as DemoSummary;
  }, 120_000);

  it('exits 0 with a summary that says ok', () => {
    expect(result.stderr).toBe('');
    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(result.code).toBe(0);
  });

  it('every embedded pool served requests and ended green', () => {
    for (const id of EMBEDDED) {
      const pool = summary.pools.find((p) => p.id === id);
      expect(pool, `${id} ran`).toBeDefined();
      expect(pool!.requests, `${id} requests`).toBeGreaterThan(0);
      expect(pool!.green, `${id} green`).toBe(true);
      expect(pool!.final.unavailable).toBe(false);
    }
    // MySQL and Redis either ran green or are listed as skipped with a reason
    for (const id of ['mysql', 'redis']) {
      const ran = summary.pools.find((p) => p.id === id);
      const skipped = summary.skipped.find((s) => s.id === id);
      expect(Boolean(ran) !== Boolean(skipped)).toBe(true);
      if (ran) expect(ran.green).toBe(true);
      else expect(skipped!.reason).toMatch(/not reachable/);
    }
  });

  it('injected the fault, saw errors during it, and recovered', () => {
    const fault = summary.fault!;
    expect(fault.pool).toBe('tcp');
    expect(fault.injectedAt).toBeGreaterThan(0);
    expect(fault.healedAt).toBeGreaterThan(fault.injectedAt!);
    expect(fault.errorsDuringFault).toBeGreaterThan(0);
    expect(fault.errorsOutsideFault).toBe(0);
    expect(fault.recovered).toBe(true);
    expect(fault.recoveredInMs).toBeGreaterThanOrEqual(0);
    expect(fault.recoveredInMs).toBeLessThan(3_000);
    expect(result.stdout).toMatch(/tcp: recovered in \d+ ms/);
  });

  it('had no unhandled errors or rejections', () => {
    expect(summary.unhandled).toEqual({ rejections: 0, exceptions: 0, messages: [] });
  });

  it('served /metrics with series for every pool', () => {
    expect(summary.metrics.scrapes).toBeGreaterThanOrEqual(1);
    expect(summary.metrics.lastScrapeSeries).toBeGreaterThan(summary.pools.length * 10);
  });

  it('answered a scrape of /metrics from outside while the workload ran, with every pool in it', () => {
    expect(midRun, 'the mid-run scrape happened').toBeDefined();
    const scrape = midRun!;
    // scraped during the run: the summary was printed neither before nor by the time the answer came
    expect(scrape.stdoutBefore).not.toContain('Summary');
    expect(scrape.stdoutAfter).not.toContain('Summary');
    expect(scrape.status).toBe(200);
    expect(scrape.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(summary.metrics.scrapes).toBeGreaterThanOrEqual(2); // ours and the demo's own
    // every pool that ran has its gauges, and had handed out connections by then
    expect(summary.pools.map((p) => p.id)).toEqual(expect.arrayContaining(EMBEDDED));
    const labels = summary.pools.map((p) => p.final.name);
    for (const pool of labels) {
      const label = `pool="${pool}"`;
      expect(scrape.text, pool).toContain(`db_client_connections{${label},state="used"}`);
      expect(scrape.text, pool).toContain(`db_client_connection_max{${label}} 4`);
      const acquired = scrape.text.split('\n').find((line) => line.startsWith(`pool_acquires_total{${label}} `));
      expect(acquired, `${pool} pool_acquires_total`).toBeDefined();
      expect(Number(acquired!.split(' ').at(-1)), `${pool} acquires by mid-run`).toBeGreaterThan(0);
      // the histograms fill for every pool, the http dispatcher's included (its per-origin pool)
      const used = scrape.text.split('\n').find((line) => line.startsWith(`db_client_connection_use_time_seconds_count{${label}} `));
      expect(Number(used?.split(' ').at(-1)), `${pool} use_time count by mid-run`).toBeGreaterThan(0);
    }
    expect(labels.filter((label) => label.includes('http://'))).toEqual([]); // not `http:http://127.0.0.1:...`
  });

  it('serves a /metrics that promtool check metrics finds nothing to flag in', () => {
    if (!requirePromtool()) return;
    expect(promtoolCheck(midRun!.text)).toEqual({ status: 0, output: '' });
  });

  it('wrote the SVG chart with a line per pool, and printed plain lines and the summary table', async () => {
    const svg = await readFile(join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline /g)?.length).toBe(summary.pools.length * 2);
    expect(svg).toContain('tcp upstream down');
    expect(result.stdout).not.toContain('\x1b['); // not a TTY: no ANSI
    expect(result.stdout).toMatch(/^\[\s+\d+\.\d s\] pg /m);
    expect(result.stdout).toContain('All pools green.');
    // the chart's path as an absolute path: `pnpm demo` runs in apps/demo, not where the user is
    expect(result.stdout).toContain(`Chart: ${resolve(out, 'chart.svg')}`);
  });
});

describe('command line', () => {
  it('--help prints the options and exits 0', async () => {
    const r = await runDemo(['--help'], 20_000);
    expect(r.code).toBe(0);
    for (const flag of ['--duration', '--only', '--pg-url', '--mysql-url', '--redis-url', '--fault', '--metrics-port']) expect(r.stdout).toContain(flag);
  });

  it('a bad flag exits 2 with a clear message', async () => {
    const r = await runDemo(['--bogus'], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stderr).toContain('--help');
    const pools = await runDemo(['--only', 'pg,oracle'], 20_000);
    expect(pools.code).toBe(2);
    expect(pools.stderr).toContain('unknown pool "oracle"');
    const duration = await runDemo(['--duration', 'soon'], 20_000);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('--duration must be');
  });

  it('an unreachable --pg-url exits 3, names the URL without its password', async () => {
    const port = await closedPort();
    const r = await runDemo(['--only', 'pg', '--metrics-port', '0', '--out', out, '--pg-url', `postgres://demo:s3cret-pw@127.0.0.1:${port}/app`], 30_000);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot use pg at postgres://demo:***@127.0.0.1:${port}/app`);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });
});

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
