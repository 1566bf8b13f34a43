import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUntilExit } from './child-exit.js';
import type { PrivateServer } from './private-server/index.js';

/** What {@link runShutdownExit} needs of an adapter: its built package, its server, and how to call it. */
export interface ShutdownExitOptions<S extends PrivateServer> {
  /** The package's name, for the message when it is not built. */
  name: string;
  /** The built package's entry (`dist/index.js`): the child imports it, as users run it. */
  dist: string;
  /** The child's working directory: the package's, so its dependencies resolve. */
  cwd: string;
  /** Starts the private server the child talks to (once per file). */
  start: () => Promise<S>;
  /** Module code that imports the package from `distUrl` and declares `pool` (max 2) against `server`. */
  createPool: (distUrl: string, server: S) => string;
  /** JS expressions of the payloads, given the JS expression `n`: an echo of n, and n answered after 20 ms. */
  echo: (n: string) => string;
  slow20: (n: string) => string;
}

/** Runs `body` in a child process with `pool` (max 2, two sockets warmed) and `pid` (the server's) in scope. */
function runChild<S extends PrivateServer>(options: ShutdownExitOptions<S>, server: S, body: string) {
  const script = `
    ${options.createPool(pathToFileURL(options.dist).href, server)}
    const pid = ${String(server.pid)};
    await Promise.all([1, 2].map((n) => pool.request(${options.slow20('n')}, { timeoutMs: 3000 })));
    const t = performance.now();
    ${body}
    console.log('closed', Math.round(performance.now() - t));
  `;
  return runUntilExit(script, { cwd: options.cwd });
}

/** ms the child's `close()` took, from its `closed <ms>` line. */
const closeMs = (lines: string[]) => Number(lines.find((l) => l.startsWith('closed'))?.split(' ')[1]);

/**
 * Shutdown during an outage (reliability rows 17, 30, 40): after `await pool.close()` the process
 * exits on its own, with nothing of the pool left to hold it (run on the built package in a child
 * process), with the server frozen (SIGSTOP) and with it killed.
 */
export function runShutdownExit<S extends PrivateServer>(options: ShutdownExitOptions<S>): void {
  let server: S;
  beforeAll(async () => {
    server = await options.start();
  });
  afterAll(async () => {
    server?.thaw();
    await server?.dispose();
  });

  describe.sequential('shutdown during an outage: the process exits once close() resolved', () => {
    it('built package present', () => {
      expect(existsSync(options.dist), `build ${options.name} first: ${options.dist} is missing`).toBe(true);
    });

    it('server frozen (SIGSTOP): two calls in flight, one times out waiting; close({ timeoutMs }) settles and the process exits', async () => {
      try {
        const run = await runChild(options, server, `
          process.kill(pid, 'SIGSTOP');
          // two calls in flight on the frozen sockets (60 s deadlines), one waiting for a socket
          const calls = [1, 2, 3].map((n) => pool.request(${options.echo('n')}, { timeoutMs: n === 3 ? 500 : 60_000 }).catch((e) => e.code));
          await new Promise((r) => setTimeout(r, 700));
          await pool.close({ timeoutMs: 1000 });
          console.log('codes', (await Promise.all(calls)).join(','));
        `);
        console.log('MEASURE frozen shutdown', run);
        expect(run.code).toBe(0);
        expect(run.exitAfterCloseMs).toBeLessThan(1500);
        expect(closeMs(run.lines)).toBeLessThan(4000);
      } finally {
        server.thaw();
      }
    });

    it('server down (killed): callers waiting for a socket, close() settles and the process exits', async () => {
      const run = await runChild(options, server, `
        process.kill(pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 200)); // the idle sockets have seen the FIN
        const calls = [1, 2, 3].map((n) => pool.request(${options.echo('n')}, { timeoutMs: 60_000 }).catch((e) => e.code));
        await new Promise((r) => setTimeout(r, 700));
        await pool.close();
        console.log('codes', (await Promise.all(calls)).join(','));
      `);
      console.log('MEASURE down shutdown', run);
      await server.start();
      expect(run.code).toBe(0);
      expect(run.exitAfterCloseMs).toBeLessThan(1500);
      expect(closeMs(run.lines)).toBeLessThan(1500);
    });
  });
}
