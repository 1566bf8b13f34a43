import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private PostgreSQL primary and streaming replica, made for one test file: initdb into a temp
 * dir, `pg_basebackup -R`, both started with pg_ctl on their own ports (5435/5436 by default), so a
 * test can stop the primary and promote the replica without touching any server other tests use.
 * The server binaries run as the `postgres` OS user when the tests run as root (initdb refuses root).
 */
export interface PrivatePair {
  primaryUrl: string;
  replicaUrl: string;
  primaryPort: number;
  replicaPort: number;
  /** `pg_ctl stop -m fast` on the primary: its sessions get 57P01, then its port refuses. */
  stopPrimary(): Promise<void>;
  /** `pg_ctl promote -w` on the replica: resolves once it accepts writes. */
  promoteReplica(): Promise<void>;
  /** Stops both (immediate) and deletes their data. */
  close(): Promise<void>;
}

function bindir(): string | undefined {
  const fromEnv = process.env.POOL_PG_BINDIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

function asPostgres(bin: string, args: string[]): Promise<unknown> {
  const root = process.getuid?.() === 0;
  return root ? run('runuser', ['-u', 'postgres', '--', bin, ...args], { timeout: 120_000 }) : run(bin, args, { timeout: 120_000 });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and deletes the pairs of earlier runs that died before their close() (a killed test process). */
async function stopLeftovers(): Promise<void> {
  const bin = bindir();
  if (bin === undefined) return;
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('pool-pgscale-pair-'))) {
    const dir = join(tmpdir(), name);
    // only pairs whose test process is gone: another run's live pair is left alone
    const owner = Number(readFileOr(join(dir, 'owner.pid')));
    if (owner > 0 && alive(owner)) continue;
    for (const data of ['primary', 'replica']) {
      if (existsSync(join(dir, data, 'postmaster.pid'))) await asPostgres(join(bin, 'pg_ctl'), ['-D', join(dir, data), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why a private pair cannot be made here (no server binaries, ports taken), or undefined. Throws under CI=true. */
export async function privatePairProblem(primaryPort = 5435, replicaPort = 5436): Promise<string | undefined> {
  await stopLeftovers();
  let problem: string | undefined;
  if (bindir() === undefined) problem = 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql or POOL_PG_BINDIR; `bash scripts/services` installs them';
  else if ((await portOpen(primaryPort)) || (await portOpen(replicaPort))) problem = `port ${primaryPort} or ${replicaPort} is already taken (a leftover private pair? stop it with pg_ctl)`;
  if (problem === undefined) return undefined;
  if (isCi()) throw new Error(`CI=true and ${problem}`);
  console.warn(`\n!!! SKIPPED: ${problem}\n`);
  return problem;
}

export async function startPrivatePair(primaryPort = 5435, replicaPort = 5436): Promise<PrivatePair> {
  const bin = bindir() as string;
  const dir = mkdtempSync(join(tmpdir(), 'pool-pgscale-pair-'));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const root = process.getuid?.() === 0;
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const start = (data: string, port: number) =>
    asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(data, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, 'start']);
  const stop = (data: string, mode: string) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync']);
    appendFileSync(primary + '/postgresql.conf', '\nshared_buffers = 16MB\nmax_connections = 80\nfsync = off\nfull_page_writes = off\nwal_level = replica\nmax_wal_senders = 4\n');
    await start(primary, primaryPort);
    await asPostgres(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '-c', 'fast']);
    await start(replica, replicaPort);
  } catch (error) {
    await stop(primary, 'immediate').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`,
    primaryPort,
    replicaPort,
    stopPrimary: async () => {
      await stop(primary, 'fast');
    },
    promoteReplica: async () => {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', replica, '-w', 'promote']);
    },
    close: async () => {
      await Promise.all([stop(primary, 'immediate').catch(() => undefined), stop(replica, 'immediate').catch(() => undefined)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
