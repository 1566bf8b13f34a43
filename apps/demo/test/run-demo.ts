import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const demoDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds apps/demo (tsc -b; its workspace dependencies are built by turbo's ^build first). */
export async function buildDemo(): Promise<void> {
  await promisify(execFile)(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b'], { cwd: demoDir, timeout: 120_000 });
}

export interface DemoResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/main.js <args>` as a child process with stdout piped (not a TTY), bounded by
 * `timeoutMs`. POOL_PG_URL is removed so the embedded PGlite path is the one exercised.
 * `onStdout` hears the whole stdout so far after each chunk (to act while the demo runs).
 */
export function runDemo(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}, onStdout?: (stdoutSoFar: string) => void): Promise<DemoResult> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.POOL_PG_URL;
    if (env.POOL_PG_URL) childEnv.POOL_PG_URL = env.POOL_PG_URL;
    const child = spawn(process.execPath, ['dist/main.js', ...args], { cwd: demoDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onStdout?.(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
