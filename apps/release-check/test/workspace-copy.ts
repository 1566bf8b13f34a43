import { execFileSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What the release needs of the repository: manifests, changesets, scripts and the packages. */
const ENTRIES = ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', 'tsconfig.base.json', '.changeset', '.gitignore', 'LICENSE', 'scripts', 'packages'];
const SKIP = new Set(['.turbo', '.vitest-report.json', 'coverage']);

/**
 * Copies the repository into `dir` (a git repository of its own, so `changeset version` and
 * `changeset publish` can change and tag it) without touching the original. The packages keep
 * their `node_modules` symlinks, which resolve through a `node_modules` link to the original's.
 */
export function copyWorkspace(root: string, dir: string): void {
  for (const entry of ENTRIES) {
    cpSync(join(root, entry), join(dir, entry), {
      recursive: true, verbatimSymlinks: true, preserveTimestamps: true,
      filter: (source) => !SKIP.has(basename(source)) && !basename(source).endsWith('.tmp.ts'),
    });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=release-check', '-c', 'user.email=release-check@localhost', 'commit', '-qm', 'release dry run');
}
