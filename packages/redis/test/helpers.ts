import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startPrivateRedisServer } from '@pool/testkit';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

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

/**
 * A suite's admin client (it connects at its first command) and the clean-up of the suite's keys:
 * called in a describe, whose afterAll deletes every key under `prefix` and disconnects it.
 */
export function suiteAdmin(prefix: string): Redis {
  const admin = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(async () => {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });
  return admin;
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

/**
 * A redis-server this test started on a free loopback port (never the shared one): @pool/testkit's
 * private server (one copy of the process handling, cleaned up by its watchdog), with the names
 * these tests use.
 */
export interface PrivateRedis {
  port: number;
  /** Stops the server for good and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server process (SIGTERM), keeping its port and directory: a server going down. */
  down(): Promise<void>;
  /** Starts it again on the same port and waits until it answers: the server coming back. */
  up(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing (a frozen host). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
}

/** Starts `redis-server --port <free> --bind 127.0.0.1 ...args` (no persistence) and waits until it answers. */
export async function startPrivateRedis(args: string[] = [], password?: string): Promise<PrivateRedis> {
  const server = await startPrivateRedisServer({ args, persistent: false, ...(password !== undefined ? { password } : {}) });
  return {
    port: server.port,
    stop: () => server.dispose(),
    down: async () => {
      server.thaw();
      await server.stop();
    },
    up: async () => {
      await server.start();
    },
    freeze: () => server.freeze(),
    thaw: () => server.thaw(),
  };
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
