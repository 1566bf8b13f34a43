import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

/** The shared test server (POOL_REDIS_URL or redis://127.0.0.1:6379). */
export function redisUrl(): string {
  const fromEnv = process.env.POOL_REDIS_URL;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : 'redis://127.0.0.1:6379';
}

export function redisAddress(): { host: string; port: number } {
  const url = new URL(redisUrl());
  return { host: url.hostname || '127.0.0.1', port: url.port === '' ? 6379 : Number(url.port) };
}

/** A unique key prefix and client name per test run: the server is shared with other engineers' tests. */
export function uniquePrefix(label: string): string {
  return `pooltest:redis:${label}:${randomBytes(4).toString('hex')}:`;
}

export function uniqueName(label: string): string {
  return `poolt-${label}-${randomBytes(4).toString('hex')}`;
}

/** A plain ioredis client for the test's own checks (CLIENT LIST, pushes, cleanup). */
export function adminClient(): Redis {
  return new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Parsed `CLIENT LIST` rows whose name is `name`. */
export async function clientsNamed(admin: Redis, name: string): Promise<Record<string, string>[]> {
  const text = (await admin.client('LIST')) as string;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Object.fromEntries(line.trim().split(' ').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    })))
    .filter((row) => row.name === name);
}

/** Deletes every key with `prefix` (SCAN, bounded). */
export async function deletePrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  for (let round = 0; round < 10_000; round++) {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
    if (cursor === '0') return;
  }
}

/** Polls `check` every 10 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ private servers

/** Where redis-server is, if installed (on PATH; CI installs it with scripts/services). */
export function redisServerBinary(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    const candidate = join(dir, 'redis-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server this test started on a free loopback port (never the shared one), with its own args. */
export interface PrivateRedis {
  port: number;
  /** Stops the server for good and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server process (SIGTERM), keeping its port and directory: a server going down. */
  down(): Promise<void>;
  /** Starts it again on the same port and waits until it answers (10 s max): the server coming back. */
  up(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing (a frozen host). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
}

/** redis-server exited before it answered: most likely another socket took the free port first. */
class ExitedEarly extends Error {}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' ...args` and waits until it answers
 * (10 s max). The port is only known to be free when probed, so a server that exits at once (another
 * socket took the port in between) is started again on another port, up to 3 times.
 */
export async function startPrivateRedis(args: string[] = [], password?: string): Promise<PrivateRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(args, password);
    } catch (error) {
      if (!(error instanceof ExitedEarly) || attempt >= 3) throw error;
    }
  }
}

async function startOnFreePort(args: string[], password: string | undefined): Promise<PrivateRedis> {
  const binary = redisServerBinary();
  if (binary === undefined) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pool-redis-'));
  let child: ChildProcess | undefined;
  const exited = (process: ChildProcess) => process.exitCode !== null || process.signalCode !== null;
  const down = async () => {
    const running = child;
    if (running === undefined || exited(running)) return;
    const exit = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await Promise.race([exit, sleep(5_000)]);
    if (!exited(running)) {
      running.kill('SIGKILL');
      await Promise.race([exit, sleep(5_000)]);
    }
  };
  const up = async () => {
    const started = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...args], { stdio: 'ignore' });
    child = started;
    await waitFor(async () => {
      if (exited(started)) throw new ExitedEarly(`redis-server on port ${port} exited before answering`);
      const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0, ...(password !== undefined ? { password } : {}) });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        // the one answering must be the server started here, not another that got the same port
        return /^process_id:(\d+)/m.exec(await probe.info('server'))?.[1] === String(started.pid);
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 10_000, `redis-server on port ${port}`);
  };
  const stop = async () => {
    await down();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await up();
  } catch (error) {
    await stop();
    throw error;
  }
  const signal = (name: NodeJS.Signals) => {
    if (child !== undefined && !exited(child)) child.kill(name);
  };
  // a frozen server must never outlive the test: SIGCONT before SIGTERM
  const stopThawed = async () => {
    signal('SIGCONT');
    await stop();
  };
  return { port, stop: stopThawed, down: async () => { signal('SIGCONT'); await down(); }, up, freeze: () => signal('SIGSTOP'), thaw: () => signal('SIGCONT') };
}

/** One command of `sampleTraffic`: when it started, how long it took, how it ended. */
export interface TrafficSample {
  at: number;
  ms: number;
  ok: boolean;
  error?: unknown;
}

/**
 * Eight closed-loop callers running `command` (a failure backs off 20 ms) until `stop()`, each
 * command timed: what rows 16 and 17 read their outage and recovery from.
 */
export function sampleTraffic(command: () => Promise<unknown>): { samples: TrafficSample[]; stop(): Promise<void> } {
  const samples: TrafficSample[] = [];
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const t = performance.now();
      try {
        await command();
        samples.push({ at: t, ms: performance.now() - t, ok: true });
      } catch (error) {
        samples.push({ at: t, ms: performance.now() - t, ok: false, error });
        await sleep(20);
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  return {
    samples,
    stop: async () => {
      stopping = true;
      await Promise.all(workers);
    },
  };
}
