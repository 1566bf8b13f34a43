import { execFile, execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm install` put in a fresh project's node_modules. */
export interface InstallFootprint {
  packages: string[];
  bytes: number;
}

function walk(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += walk(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** Every installed package (name@version), nested ones included, and the bytes on disk. */
export function footprint(project: string): InstallFootprint {
  const modules = join(project, 'node_modules');
  const packages: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) {
        const manifest = join(dir, name, 'package.json');
        if (!existsSync(manifest)) continue;
        packages.push(`${name}@${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version}`);
        visit(join(dir, name, 'node_modules'));
      }
    }
  };
  visit(modules);
  return { packages: packages.sort(), bytes: existsSync(modules) ? walk(modules) : 0 };
}

/** A fresh ESM project in `dir` with `specs` installed by npm from `registry`. */
export async function freshProject(dir: string, registry: string, cache: string, specs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const args = ['install', ...specs, '--registry', registry, '--cache', cache, '--prefer-online', '--no-audit', '--no-fund', '--loglevel=error', '--no-update-notifier'];
  try {
    await promisify(execFile)('npm', args, { cwd: dir, timeout: 180_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${dir}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs a command; on failure the error says what it printed. */
export function run(cmd: string, args: string[], options: ExecFileSyncOptions & { cwd: string }): string {
  try {
    return String(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000, ...options }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${options.cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
