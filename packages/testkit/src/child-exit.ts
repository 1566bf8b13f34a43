import { spawn } from 'node:child_process';

/** What {@link runUntilExit} saw of the child. */
export interface ChildExit {
  /** Its stdout, trimmed, one entry a line. */
  lines: string[];
  /** ms from the first `closed` on its stdout to its exit (Infinity when it never printed it). */
  exitAfterCloseMs: number;
  code: number | null;
}

/**
 * Runs `script` as an ES module in a fresh node process (cwd `cwd`, so the package's own
 * dependencies resolve; killed after `killAfterMs`) and resolves once it exited: its stdout lines and
 * how long it lived on after printing `closed`. Its stderr, if any, goes to this process's stderr.
 */
export function runUntilExit(script: string, { cwd, killAfterMs = 20_000 }: { cwd: string; killAfterMs?: number }): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd });
    let out = '';
    let err = '';
    let closedAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (closedAt === 0 && out.includes('closed')) closedAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (err !== '') console.error(err);
      resolve({ lines: out.trim().split('\n'), exitAfterCloseMs: closedAt === 0 ? Infinity : performance.now() - closedAt, code });
    });
  });
}
