import { parseArgs } from 'node:util';
import { DemoError } from '../errors.js';
import { POOL_IDS, type PoolId } from '../targets/target.js';
import { parseDuration } from './duration.js';

/** Everything a run needs, after flags and environment are read. */
export interface DemoOptions {
  durationMs: number;
  /** Pools to run (others are listed as skipped). */
  only: PoolId[];
  /** URLs, and whether each was given explicitly (flag or POOL_*_URL): an explicit one must work. */
  pgUrl: string | undefined;
  mysqlUrl: string;
  redisUrl: string;
  explicit: { pg: boolean; mysql: boolean; redis: boolean };
  /** The pool behind the fault proxy, or undefined for no fault. */
  fault: PoolId | undefined;
  faultMs: number;
  metricsPort: number;
  outDir: string;
  /** Live view when stdout is a TTY, unless --plain. */
  live: boolean;
}

export type ParsedCli = { help: true } | { help: false; options: DemoOptions };

export const DEFAULTS = {
  durationMs: 6_000,
  mysqlUrl: 'mysql://root@127.0.0.1:3306/test',
  redisUrl: 'redis://127.0.0.1:6379',
  fault: 'tcp' as PoolId,
  faultMs: 1_000,
  metricsPort: 9464,
};

/**
 * Reads the command line and the POOL_*_URL variables. Throws DEMO_BAD_FLAG with a message that
 * says what is wrong and what is accepted.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv, defaults: { outDir: string; isTty: boolean }): ParsedCli {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        duration: { type: 'string', short: 'd' },
        only: { type: 'string' },
        skip: { type: 'string' },
        'pg-url': { type: 'string' },
        'mysql-url': { type: 'string' },
        'redis-url': { type: 'string' },
        fault: { type: 'string' },
        'fault-ms': { type: 'string' },
        'metrics-port': { type: 'string' },
        out: { type: 'string' },
        plain: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new DemoError('DEMO_BAD_FLAG', `${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\nRun with --help to see the options.`, { cause: error });
  }
  if (values.help) return { help: true };

  const durationMs = values.duration === undefined ? DEFAULTS.durationMs : parseDuration(values.duration);
  if (durationMs === undefined || durationMs < 1_000 || durationMs > 600_000) {
    throw bad(`--duration must be between 1s and 10m (e.g. 8s, 3000ms, 1m), got "${values.duration}"`);
  }
  let only: PoolId[] = values.only === undefined ? [...POOL_IDS] : poolList('--only', values.only);
  if (values.skip !== undefined) {
    const skip = new Set(poolList('--skip', values.skip));
    only = only.filter((id) => !skip.has(id));
  }
  if (only.length === 0) throw bad('--only/--skip leave no pool to run');

  let fault: PoolId | undefined;
  if (values.fault === undefined) fault = only.includes(DEFAULTS.fault) ? DEFAULTS.fault : undefined;
  else if (values.fault === 'none') fault = undefined;
  else {
    const [id] = poolList('--fault', values.fault);
    if (!id || values.fault.includes(',')) throw bad(`--fault takes one pool name or "none", got "${values.fault}"`);
    if (!only.includes(id)) throw bad(`--fault ${id}: that pool is not part of this run (--only ${only.join(',')})`);
    fault = id;
  }
  const faultMs = values['fault-ms'] === undefined ? Math.min(DEFAULTS.faultMs, Math.round(durationMs / 4)) : parseDuration(`${values['fault-ms']}${/^\d+$/.test(values['fault-ms']) ? 'ms' : ''}`);
  if (faultMs === undefined || faultMs < 100 || faultMs > durationMs / 2) {
    throw bad(`--fault-ms must be between 100 ms and half the duration (${durationMs / 2} ms), got "${values['fault-ms']}"`);
  }
  const metricsPort = values['metrics-port'] === undefined ? DEFAULTS.metricsPort : Number(values['metrics-port']);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535) {
    throw bad(`--metrics-port must be a port number 0-65535 (0 = any free port), got "${values['metrics-port']}"`);
  }

  const pgUrl = url('--pg-url', values['pg-url'] ?? nonEmpty(env.POOL_PG_URL), ['postgres:', 'postgresql:']);
  const mysqlUrl = url('--mysql-url', values['mysql-url'] ?? nonEmpty(env.POOL_MYSQL_URL), ['mysql:', 'mariadb:']);
  const redisUrl = url('--redis-url', values['redis-url'] ?? nonEmpty(env.POOL_REDIS_URL), ['redis:', 'rediss:']);
  return {
    help: false,
    options: {
      durationMs,
      only,
      pgUrl,
      mysqlUrl: mysqlUrl ?? DEFAULTS.mysqlUrl,
      redisUrl: redisUrl ?? DEFAULTS.redisUrl,
      explicit: { pg: pgUrl !== undefined, mysql: mysqlUrl !== undefined, redis: redisUrl !== undefined },
      fault,
      faultMs,
      metricsPort,
      outDir: values.out ?? defaults.outDir,
      live: defaults.isTty && !values.plain,
    },
  };
}

function poolList(flag: string, text: string): PoolId[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(POOL_IDS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw bad(`${flag}: unknown pool "${unknown.join(',') || text}"; the pools are ${POOL_IDS.join(', ')}`);
  }
  return names as PoolId[];
}

function url(flag: string, value: string | undefined, protocols: string[]): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw bad(`${flag}: not a URL (expected ${protocols[0]}//host:port/...)`); // the value may hold a password: not echoed
  }
  if (!protocols.includes(parsed.protocol)) throw bad(`${flag}: expected a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function bad(message: string): DemoError {
  return new DemoError('DEMO_BAD_FLAG', `${message}\nRun with --help to see the options.`);
}
