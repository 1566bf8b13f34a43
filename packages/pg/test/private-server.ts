import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PRIVATE PostgreSQL instance for tests that freeze (SIGSTOP) or kill the server: its own data
 * directory and loopback port, never the shared server. Started as the `postgres` user with the
 * Debian binaries; `available` is false (with a reason) where they or root are missing.
 */
export interface PrivatePg {
  url: string;
  port: number;
  /** SIGSTOP the postmaster and every backend: the server accepts TCP but never answers. */
  freeze(): void;
  /** SIGCONT them all. */
  thaw(): void;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/** Why a private instance cannot start here, or undefined when it can. */
export function privatePgUnavailable(): string | undefined {
  if (binDir() === undefined) return 'no PostgreSQL binaries under /usr/lib/postgresql/*/bin';
  if (process.getuid?.() !== 0) return 'needs root to run initdb as the postgres user';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no postgres user';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The pids of a process and its children (the postmaster and its backends), from /proc. */
function processTree(root: number): number[] {
  const pids = [root];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === root) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

/** initdb + postgres on a free loopback port; resolves once it accepts queries. */
export async function startPrivatePg(): Promise<PrivatePg> {
  const bin = binDir() as string;
  const dir = mkdtempSync(join(tmpdir(), 'pool-pg-private-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const data = join(dir, 'data');
  execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore' });
  const port = await freePort();
  const child: ChildProcess = spawn('runuser', ['-u', 'postgres', '--', join(bin, 'postgres'), '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=40'], { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`private PostgreSQL on ${port} did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let frozen: number[] = [];
  const signalAll = (pids: number[], signal: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited
      }
    }
  };
  return {
    url,
    port,
    freeze() {
      frozen = processTree(postmaster);
      signalAll(frozen, 'SIGSTOP');
    },
    thaw() {
      signalAll(frozen, 'SIGCONT');
      frozen = [];
    },
    async stop() {
      signalAll(frozen, 'SIGCONT');
      signalAll([postmaster], 'SIGINT');
      const until = Date.now() + 10_000;
      while (child.exitCode === null && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      if (child.exitCode === null) signalAll(processTree(postmaster), 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
