import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { guard } from './watchdog.js';

/** Options of {@link run}. */
export interface RunOptions {
  uid?: number;
  gid?: number;
  /** Written to the command's stdin. */
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to completion; rejects with its stderr when it fails. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}) },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${String(stderr).trim()}`));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The first of `names` found on PATH or in `extraDirs`. */
export function findBinary(names: readonly string[], extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...extraDirs, '/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin', '/sbin'];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The newest PostgreSQL bin directory (POOL_PG_BINDIR, else Debian's /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const fromEnv = process.env.POOL_PG_BINDIR;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  let majors: string[] = [];
  try {
    majors = readdirSync('/usr/lib/postgresql').filter((name) => existsSync(join('/usr/lib/postgresql', name, 'bin', 'postgres')));
  } catch {
    // not Debian's layout
  }
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors[0] !== undefined) return join('/usr/lib/postgresql', majors[0], 'bin');
  const onPath = findBinary(['postgres']);
  if (onPath !== undefined) return join(onPath, '..');
  throw new Error('no PostgreSQL server binaries (looked in /usr/lib/postgresql/*/bin and on PATH; install them with scripts/services or set POOL_PG_BINDIR)');
}

const templates = new Map<string, Promise<string>>();

/**
 * A directory built once per process by `build` (an initdb'd cluster, an installed MariaDB datadir)
 * that each private server copies instead of building its own. Removed when this process exits.
 */
export function template(key: string, build: (dir: string) => Promise<void>): Promise<string> {
  let made = templates.get(key);
  if (made === undefined) {
    const dir = mkdtempSync(join(tmpdir(), `pool-${key}-template-`));
    guard({ dir }); // the watchdog removes it when this process exits
    made = build(dir).then(() => dir);
    made.catch(() => templates.delete(key));
    templates.set(key, made);
  }
  return made;
}

/** Copies `from` to `to` keeping owners and modes (cp -a). */
export async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', from, to]);
}
