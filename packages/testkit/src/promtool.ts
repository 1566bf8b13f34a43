import { spawnSync } from 'node:child_process';

/** True when `promtool` (Debian's `prometheus` package) is on PATH. */
export function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether promtool is here; without it, a loud skip locally and a failure with CI=true
 * (`.ci/run` installs it).
 */
export function requirePromtool(): boolean {
  if (hasPromtool()) return true;
  const reason = 'promtool is not installed (apt-get install prometheus; .ci/run does it)';
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') throw new Error(`CI=true and ${reason}`);
  console.warn(`\n!!! SKIPPED: ${reason}\n`);
  return false;
}

/** `promtool check metrics` on an exposition: its exit status and what it said (empty when clean). */
export function promtoolCheck(exposition: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}
