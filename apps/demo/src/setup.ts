import type { PoolOptions } from '@pool/core';
import { startFaultProxy, type FaultProxy } from '@pool/testkit/fault-proxy';
import type { DemoOptions } from './cli/options.js';
import { DemoError } from './errors.js';
import { passwordOf, redactUrl, scrub } from './redact.js';
import { setupHttp } from './targets/http-target.js';
import { setupMysql } from './targets/mysql-target.js';
import { setupPg } from './targets/pg-target.js';
import { addressOf, probeTcp } from './targets/probe.js';
import { setupRedis } from './targets/redis-target.js';
import { setupTcp } from './targets/tcp-target.js';
import type { DemoTarget, PoolId, SetupContext, SkippedTarget } from './targets/target.js';
import { setupWs } from './targets/ws-target.js';

/** Pool options shared by every pool: short timeouts and a quick backoff, so a fault heals in a demo's time. */
export const DEMO_POOL_OPTIONS: PoolOptions = {
  acquireTimeoutMs: 5_000,
  createTimeoutMs: 3_000,
  retry: { minDelayMs: 50, maxDelayMs: 400 },
  failFast: { afterFailures: 3 },
};

/** The targets that started, the ones skipped, and the fault proxy if one was placed. */
export interface Setup {
  targets: DemoTarget[];
  skipped: SkippedTarget[];
  proxy: FaultProxy | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts the embedded servers and every selected pool, in parallel, then checks each with one
 * request. An explicitly given URL that fails is a DEMO_UNREACHABLE error (password never shown);
 * a default-port MySQL or Redis that is down is listed as skipped.
 */
export async function setUp(options: DemoOptions, cacheDir: string, note: (message: string) => void): Promise<Setup> {
  let proxy: FaultProxy | undefined;
  const ctx: SetupContext = {
    poolOptions: DEMO_POOL_OPTIONS,
    cacheDir,
    note,
    async route(id, upstream) {
      if (id !== options.fault) return upstream;
      if (!LOOPBACK.has(upstream.host)) throw new DemoError('DEMO_BAD_FLAG', `--fault ${id}: the fault proxy only fronts loopback servers, and ${id} is at ${upstream.host}. Use --fault none or another pool.`);
      proxy = await startFaultProxy(upstream, { lifetimeMs: options.durationMs + 120_000 });
      return { host: proxy.host, port: proxy.port };
    },
  };
  const skipped: SkippedTarget[] = [];
  const wanted = new Set(options.only);
  for (const id of ['pg', 'mysql', 'redis', 'tcp', 'ws', 'http'] as const) {
    if (!wanted.has(id)) skipped.push({ id, reason: 'not selected (--only/--skip)' });
  }

  const jobs: Array<{ id: PoolId; explicitUrl: string | undefined; optional: boolean; start: () => Promise<DemoTarget> }> = [];
  if (wanted.has('pg')) {
    if (!options.pgUrl) note('PostgreSQL: no POOL_PG_URL or --pg-url, starting PGlite in a worker thread (the first run creates its data directory, a few seconds)');
    jobs.push({ id: 'pg', explicitUrl: options.pgUrl, optional: false, start: async () => {
      if (options.pgUrl) {
        const where = addressOf(options.pgUrl, 5432);
        const problem = await probeTcp(where.host, where.port, 3_000);
        if (problem) throw new Unreachable(problem);
      }
      return setupPg(ctx, options.pgUrl);
    } });
  }
  for (const [id, url, explicit, port, setup] of [
    ['mysql', options.mysqlUrl, options.explicit.mysql, 3306, setupMysql],
    ['redis', options.redisUrl, options.explicit.redis, 6379, setupRedis],
  ] as const) {
    if (!wanted.has(id)) continue;
    jobs.push({ id, explicitUrl: explicit ? url : undefined, optional: !explicit, start: async () => {
      const where = addressOf(url, port);
      const problem = await probeTcp(where.host, where.port, explicit ? 3_000 : 500);
      if (problem) throw new Unreachable(problem);
      return setup(ctx, url);
    } });
  }
  if (wanted.has('tcp')) jobs.push({ id: 'tcp', explicitUrl: undefined, optional: false, start: () => setupTcp(ctx) });
  if (wanted.has('ws')) jobs.push({ id: 'ws', explicitUrl: undefined, optional: false, start: () => setupWs(ctx) });
  if (wanted.has('http')) jobs.push({ id: 'http', explicitUrl: undefined, optional: false, start: () => setupHttp(ctx) });

  const settled = await Promise.allSettled(jobs.map(async (job) => {
    const target = await job.start();
    try {
      await checkOnce(target);
    } catch (error) {
      await target.close().catch((closeError: unknown) => note(`${job.id}: close after a failed check also failed: ${String(closeError)}`));
      throw error;
    }
    return target;
  }));

  const targets: DemoTarget[] = [];
  let fatal: DemoError | undefined;
  settled.forEach((result, i) => {
    const job = jobs[i]!;
    if (result.status === 'fulfilled') {
      targets.push(result.value);
      return;
    }
    const secret = job.explicitUrl ? passwordOf(job.explicitUrl) : undefined;
    const reason = scrub(result.reason instanceof Error ? result.reason.message : String(result.reason), secret);
    if (job.optional) {
      skipped.push({ id: job.id, reason: `not reachable on its default URL ${redactUrl(job.id === 'mysql' ? options.mysqlUrl : options.redisUrl)}: ${reason}` });
    } else if (job.explicitUrl) {
      fatal ??= new DemoError('DEMO_UNREACHABLE', `cannot use ${job.id} at ${redactUrl(job.explicitUrl)} (given by --${job.id}-url or POOL_${job.id.toUpperCase()}_URL): ${reason}`);
    } else if (result.reason instanceof DemoError) {
      fatal ??= result.reason;
    } else {
      fatal ??= new DemoError('DEMO_SETUP_FAILED', `${job.id}: the embedded server or its pool failed to start: ${reason}`, { cause: result.reason });
    }
  });
  if (fatal) {
    await Promise.all(targets.map((t) => t.close()));
    await proxy?.close();
    throw fatal;
  }
  skipped.sort((a, b) => a.id.localeCompare(b.id));
  if (targets.length === 0) {
    await proxy?.close();
    throw new DemoError('DEMO_SETUP_FAILED', `no pool to run: ${skipped.map((s) => `${s.id} ${s.reason}`).join('; ')}`);
  }
  return { targets, skipped, proxy };
}

class Unreachable extends Error {}

/** One request of the target's first operation, bounded in time. */
async function checkOnce(target: DemoTarget): Promise<void> {
  const op = target.operations[0]!;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      op.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to "${op.name}" within 8 s`)), 8_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
