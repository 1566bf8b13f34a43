import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPgPool, type PgPoolConfig } from '../../src/index.js';
import { pgUrl } from '../helpers.js';

/** A pool as code written for pg.Pool sees it. */
export type AnyPool = pg.Pool;
export type Make = (config?: PgPoolConfig) => AnyPool;

/** The two contenders: node-postgres's own pool and ours, given the same config. */
export const contenders: ReadonlyArray<readonly [name: 'pg.Pool' | '@pool/pg', make: Make]> = [
  ['pg.Pool', (config) => new pg.Pool(config as pg.PoolConfig)],
  ['@pool/pg', (config) => createPgPool(config) as unknown as AnyPool],
];

/** The base config of every case: the test server, a unique application name. */
export function baseConfig(extra: PgPoolConfig = {}): PgPoolConfig {
  return { connectionString: pgUrl, application_name: 'pool-pg-compat', ...extra };
}

/** What a test compares of an error: its class, code and pg's fields, never the stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { notAnError: String(error) };
  const e = error as Error & Record<string, unknown>;
  return { class: e.constructor.name, code: e.code, message: e.message, severity: e.severity, routine: e.routine };
}

/**
 * Runs `body` once per contender (pg.Pool first), each with its own pools (ended afterwards unless
 * the body ended them), and returns both outcomes to compare.
 */
export async function sideBySide<T>(body: (make: Make, name: string) => Promise<T>): Promise<{ theirs: T; ours: T }> {
  const results: T[] = [];
  for (const [name, make] of contenders) {
    const made: AnyPool[] = [];
    const tracked: Make = (config) => {
      const pool = make(config);
      made.push(pool);
      return pool;
    };
    try {
      results.push(await body(tracked, name));
    } finally {
      for (const pool of made) {
        if (!(pool as unknown as { ending: boolean }).ending) await pool.end().catch(() => {});
      }
    }
  }
  return { theirs: results[0] as T, ours: results[1] as T };
}

/** Settles after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** What a child process did: exit code, how long it ran, what it printed. */
export interface ChildRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module script in a child node process with `makePool(config)` defined as the
 * contender's constructor (the built @pool/pg, as users run it, or pg.Pool), from the package
 * directory so `pg` resolves. Killed after `timeoutMs`.
 */
export function runChild(contender: 'pg.Pool' | '@pool/pg', body: string, timeoutMs = 30_000): Promise<ChildRun> {
  const prelude = contender === 'pg.Pool'
    ? `import pg from 'pg'; const makePool = (config) => new pg.Pool(config);`
    : `import { createPgPool } from ${JSON.stringify(dist)}; const makePool = (config) => createPgPool(config);`;
  const script = `${prelude}\nconst url = ${JSON.stringify(pgUrl)};\n${body}`;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, stdout: stdout.trim(), stderr });
    });
  });
}
