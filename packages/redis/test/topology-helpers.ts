import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { clientsNamed, sleep, waitFor } from './helpers.js';

const run = promisify(execFile);

/** The shared Sentinel setup of scripts/services.d/redis-sentinel.sh. */
export const SHARED_SENTINELS = [26390, 26391, 26392].map((port) => ({ host: '127.0.0.1', port }));
export const SHARED_MASTER_NAME = 'pool-primary';
/** The shared Cluster of scripts/services.d/redis-cluster.sh. */
export const SHARED_CLUSTER = [7000, 7001, 7002, 7003, 7004, 7005].map((port) => ({ host: '127.0.0.1', port }));

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function portOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(open: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    }
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Like @pool/testkit's requireService, for the engines beyond one machine: `{ available: true }`, or
 * locally a loud skip reason, and under CI=true a thrown error (CI never skips silently).
 */
export async function requireTopology(what: string, ports: number[]): Promise<{ available: boolean; reason?: string }> {
  const closed: number[] = [];
  for (const port of ports) if (!(await portOpen(port))) closed.push(port);
  if (closed.length === 0) return { available: true };
  const reason = `${what} is unreachable (nothing answers on 127.0.0.1:${closed.join(', ')}); start it with \`bash scripts/services\``;
  return refuse(reason);
}

/** Same for binaries a test starts its own servers with. */
export function requireBinaries(...names: string[]): { available: boolean; reason?: string } {
  const missing = names.filter((name) => binary(name) === undefined);
  if (missing.length === 0) return { available: true };
  return refuse(`${missing.join(', ')} not installed (apt-get install redis-server redis-sentinel redis-tools, or bash scripts/services)`);
}

function refuse(reason: string): { available: false; reason: string } {
  if (isCi()) throw new Error(`CI=true and ${reason}`);
  const line = '!'.repeat(Math.min(100, reason.length + 12));
  console.warn(`\n${line}\n!!! SKIPPED: ${reason}\n${line}\n`);
  return { available: false, reason };
}

export function binary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A plain client to one node, for the test's own checks. */
export function nodeClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

/** A set of server processes a test started; `stop()` ends exactly those and removes their directory. */
export class ProcessGroup {
  readonly dir = mkdtempSync(join(tmpdir(), 'pool-redis-topology-'));
  private readonly children: ChildProcess[] = [];
  private readonly byPort = new Map<number, ChildProcess>();

  /** A server this file owns on a fixed port may be left over from a crashed run of it: shut it down. */
  async clearPort(port: number): Promise<void> {
    if (!(await portOpen(port))) return;
    const client = nodeClient(port);
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
    await waitFor(async () => !(await portOpen(port)), 5_000, `port ${port} to be free`);
  }

  /** Starts `redis-server <args>` (or with a config file written from `config`) and waits for its port. */
  async start(port: number, args: string[], config?: string): Promise<void> {
    await this.clearPort(port);
    const serverDir = join(this.dir, String(port));
    rmSync(serverDir, { recursive: true, force: true });
    mkdirSync(serverDir, { recursive: true });
    let argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', serverDir, '--daemonize', 'no', ...args];
    if (config !== undefined) {
      const file = join(serverDir, 'server.conf');
      writeFileSync(file, config);
      argv = [file, ...argv];
    }
    const child = spawn(binary('redis-server') as string, argv, { stdio: 'ignore' });
    this.children.push(child);
    this.byPort.set(port, child);
    await waitFor(() => portOpen(port, 200), 10_000, `redis-server on ${port}`);
  }

  /** A crash: SIGKILL of the server this group started on `port`; resolves once it is gone. */
  async kill(port: number): Promise<void> {
    const child = this.byPort.get(port);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await Promise.race([exit, sleep(5_000)]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await Promise.race([exit, sleep(5_000)]);
    }));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `redis-cli <args>`, its stdout. */
export async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await run(binary('redis-cli') as string, args, { timeout: 60_000 });
  return stdout;
}

/** Parsed `CLIENT LIST` rows whose name is `name`, on one node (the shared server's helper works on any node). */
export const clientsNamedOn = clientsNamed;
