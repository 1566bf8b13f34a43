import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, processTree, signalTree, sleep, waitTreeGone } from './processes.js';
import { guard, type WatchdogEntry } from './watchdog.js';

/** When a restart took the server down and when it answered again (`performance.now()` ms). */
export interface RestartTimes {
  /** The stop signal was sent. */
  stoppingAt: number;
  /** The server process had exited: from here on connects are refused. */
  downAt: number;
  /** The start was begun (after `downMs`). */
  startingAt: number;
  /** The server first answered a readiness probe (polled every few ms). */
  readyAt: number;
}

/** Options of `restart()`. */
export interface RestartOptions {
  /** How long the server stays down between the stop and the next start. @default 1000 */
  downMs?: number;
  /** Crash it (SIGKILL of the whole process tree) instead of a clean shutdown. @default false */
  kill?: boolean;
}

/** A disposable server this process started on a free loopback port, with its own temp directory. */
export interface PrivateServer extends AsyncDisposable {
  readonly kind: 'postgres' | 'mariadb' | 'redis' | 'http' | 'ws' | 'line';
  /** A connection URL (no password; loopback). */
  readonly url: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The temp directory holding the data (removed by dispose). */
  readonly dir: string;
  /** The server's main process (postmaster, mariadbd, redis-server), while running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly frozen: boolean;
  /** Starts it again (same port, same data); resolves once it answers. No-op when running. */
  start(): Promise<{ readyAt: number }>;
  /** Clean shutdown (PostgreSQL: fast, SIGINT; MariaDB and Redis: SIGTERM); resolves once it has exited. */
  stop(): Promise<void>;
  /** stop, `downMs` down, start; returns when each happened. */
  restart(options?: RestartOptions): Promise<RestartTimes>;
  /** SIGSTOP of the server's whole process tree (PostgreSQL: postmaster first, then every backend). */
  freeze(): void;
  /** SIGCONT of the tree. */
  thaw(): void;
  /** A crash: SIGKILL of the whole process tree; resolves once it is gone. */
  kill(): Promise<void>;
  /** Kills it and removes its directory. Idempotent; never throws. */
  dispose(): Promise<void>;
}

/** What one kind of server supplies to {@link startManagedServer}. */
export interface ServerRecipe {
  kind: PrivateServer['kind'];
  /** Prefix of the temp dir. */
  dirPrefix: string;
  /** Prepares `dir` once (data files, ownership), before the first start. */
  prepare(dir: string, port: number): Promise<void>;
  /** The command line of the server on `port` with data under `dir`. */
  command(dir: string, port: number): { file: string; args: string[]; uid?: number; gid?: number };
  /** Whether the server started as `pid` answers on `port` yet. */
  ready(dir: string, port: number, pid: number): Promise<boolean>;
  /** The clean-shutdown signal sent to the main process. */
  stopSignal: NodeJS.Signals;
  url(port: number): string;
}

/** The server exited before it answered (most often: another socket took the free port first). */
class ExitedEarly extends Error {}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** Starts `recipe` on a free port (another port, up to 3 times, when the server exits at once). */
export async function startManagedServer<Extra extends object>(recipe: ServerRecipe, extra: (server: PrivateServer) => Extra): Promise<PrivateServer & Extra> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const server = createManagedServer(recipe, port);
    try {
      await server.prepared;
      await server.handle.start();
      return Object.assign(server.handle, extra(server.handle));
    } catch (error) {
      await server.handle.dispose();
      if (!(error instanceof ExitedEarly) || attempt >= 3) throw error;
    }
  }
}

function createManagedServer(recipe: ServerRecipe, port: number): { handle: PrivateServer; prepared: Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), recipe.dirPrefix));
  const watchdog: WatchdogEntry = guard({ dir });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let frozen = false;
  let disposed = false;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const logPath = join(dir, 'server.log');
  const logTail = () => {
    try {
      return readFileSync(logPath, 'utf8').trim().split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const waitExit = async (timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  };

  const killTree = async () => {
    const current = child;
    if (current?.pid === undefined) return;
    signalTree(current.pid, 'SIGKILL');
    frozen = false;
    await waitExit(STOP_TIMEOUT_MS);
    if (await waitTreeGone(current.pid, 5_000)) watchdog.update({ pid: 0 });
  };

  const start = async (): Promise<{ readyAt: number }> => {
    if (disposed) throw new Error(`this private ${recipe.kind} was disposed`);
    if (running()) return { readyAt: performance.now() };
    const { file, args, uid, gid } = recipe.command(dir, port);
    const log = openSync(logPath, 'a');
    let started: ChildProcess;
    try {
      // detached: its own session, so a Ctrl-C on the terminal reaches the watchdog's clean-up, not the server
      started = spawn(file, args, { detached: true, stdio: ['ignore', log, log], ...(uid !== undefined ? { uid, gid } : {}) });
    } finally {
      closeSync(log);
    }
    const spawnError = new Promise<never>((_, reject) => started.once('error', reject));
    spawnError.catch(() => undefined);
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    started.unref(); // a forgotten server never keeps the process alive (the watchdog cleans it up)
    child = started;
    frozen = false;
    const pid = started.pid;
    if (pid === undefined) await spawnError;
    watchdog.update({ pid });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!running()) throw new ExitedEarly(`${recipe.kind} on port ${port} exited before answering (${String(started.exitCode ?? started.signalCode)}):\n${logTail()}`);
      if (await recipe.ready(dir, port, pid as number)) return { readyAt: performance.now() };
      if (Date.now() > deadline) {
        await killTree();
        throw new Error(`${recipe.kind} on port ${port} did not answer within ${READY_TIMEOUT_MS} ms:\n${logTail()}`);
      }
      await sleep(5);
    }
  };

  const stop = async () => {
    const current = child;
    if (current?.pid === undefined || !running()) return;
    signalTree(current.pid, 'SIGCONT');
    frozen = false;
    current.kill(recipe.stopSignal);
    if (!(await waitExit(STOP_TIMEOUT_MS))) await killTree();
    // PostgreSQL's postmaster waits for its backends; anything left of the tree is a bug: end it
    if (processTree(current.pid).length > 0) await killTree();
    watchdog.update({ pid: 0 });
  };

  const handle: PrivateServer = {
    kind: recipe.kind,
    url: recipe.url(port),
    host: '127.0.0.1',
    port,
    dir,
    get pid() {
      return running() ? child?.pid : undefined;
    },
    get running() {
      return running();
    },
    get frozen() {
      return frozen && running();
    },
    start,
    stop,
    async restart(options = {}) {
      const stoppingAt = performance.now();
      if (options.kill === true) await killTree();
      else await stop();
      const downAt = performance.now();
      await sleep(Math.max(0, options.downMs ?? 1000));
      const startingAt = performance.now();
      const { readyAt } = await start();
      return { stoppingAt, downAt, startingAt, readyAt };
    },
    freeze() {
      const pid = child?.pid;
      if (pid === undefined || !running()) throw new Error(`this private ${recipe.kind} is not running`);
      signalTree(pid, 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      const pid = child?.pid;
      frozen = false;
      if (pid !== undefined) signalTree(pid, 'SIGCONT');
    },
    kill: killTree,
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        await killTree();
      } catch {
        // fall through: the directory still goes, the watchdog still knows the group
      }
      try {
        rmSync(dir, { recursive: true, force: true });
        watchdog.drop();
      } catch {
        // the watchdog removes it when this process exits
      }
    },
    [Symbol.asyncDispose]() {
      return handle.dispose();
    },
  };
  return { handle, prepared: recipe.prepare(dir, port) };
}
