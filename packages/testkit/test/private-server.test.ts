import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isAlive,
  processTree,
  requirePrivateServer,
  startPrivateMariadb,
  startPrivatePostgres,
  startPrivateRedisServer,
  type PrivatePostgres,
  type PrivateServer,
} from '../src/index.js';
import { postgresBinDir } from '../src/private-server/commands.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

/** Disposes the server and checks that nothing of it is left: no process of its tree, no directory. */
async function expectDisposedCleanly(server: PrivateServer): Promise<void> {
  const pid = server.pid as number;
  const pids = processTree(pid).map((info) => info.pid);
  expect(pids).toContain(pid);
  await server.dispose();
  expect(pids.filter(isAlive)).toEqual([]);
  expect(existsSync(server.dir)).toBe(false);
  expect(server.running).toBe(false);
}

/** psql kept open on stdin after one query: an idle client session (its own backend). */
function openIdleSession(server: PrivatePostgres): ChildProcess {
  const psql = spawn(join(postgresBinDir(), 'psql'), ['-X', '-q', '-h', server.socketDir, '-p', String(server.port), '-U', 'postgres', '-d', 'test'], { stdio: ['pipe', 'ignore', 'ignore'] });
  psql.stdin?.write('SELECT 1;\n');
  return psql;
}

const IDLE_SESSIONS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle' AND pid <> pg_backend_pid()";

async function waitIdleSessions(server: PrivatePostgres, count: number): Promise<string> {
  let seen = '';
  for (let i = 0; i < 200; i++) {
    seen = (await server.sql(IDLE_SESSIONS)).trim();
    if (seen === String(count)) break;
    await sleep(25);
  }
  return seen;
}

const started: PrivateServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.dispose()));
});
function track<S extends PrivateServer>(server: S): S {
  started.push(server);
  return server;
}

const pg = requirePrivateServer('postgres');
describe.skipIf(!pg.available)('startPrivatePostgres', () => {
  it('starts on a free loopback port (not 5432), answers SQL, keeps its data across a restart', async () => {
    const server = track(await startPrivatePostgres());
    expect(server.port).not.toBe(5432);
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/test`);
    await server.sql('CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    const times = await server.restart({ downMs: 100 });
    expect(times.readyAt).toBeGreaterThanOrEqual(times.startingAt);
    expect(times.startingAt).toBeGreaterThanOrEqual(times.downAt);
    expect((await server.sql('SELECT x FROM kept')).trim()).toBe('42');
    await server.kill(); // a crash: crash recovery on the next start, the data still there
    expect(server.running).toBe(false);
    await server.start();
    expect((await server.sql('SELECT x FROM kept')).trim()).toBe('42');
    await expectDisposedCleanly(server);
  });

  it('freeze stops the postmaster and every backend: a query hangs until thaw', async () => {
    const server = track(await startPrivatePostgres());
    // an open session: its backend (a process group of its own) must be frozen too
    const session = openIdleSession(server);
    expect(await waitIdleSessions(server, 1)).toBe('1');
    expect(processTree(server.pid as number).length).toBeGreaterThan(4); // postmaster, checkpointer, walwriter, ..., the backend
    server.freeze();
    expect(server.frozen).toBe(true);
    expect(processTree(server.pid as number).every((info) => info.state === 'T')).toBe(true);
    const query = server.sql('SELECT 7');
    expect(await pendingAfter(query, 1_500)).toBe(true);
    server.thaw();
    expect((await query).trim()).toBe('7');
    expect(processTree(server.pid as number).some((info) => info.state === 'T')).toBe(false);
    session.kill();
    await expectDisposedCleanly(server);
  });

  it('terminateIdleBackends ends idle client sessions', async () => {
    const server = track(await startPrivatePostgres());
    const psql = openIdleSession(server);
    expect(await waitIdleSessions(server, 1)).toBe('1');
    expect(await server.terminateIdleBackends()).toBe(1);
    expect(await waitIdleSessions(server, 0)).toBe('0');
    psql.kill();
    await server.dispose();
  });
});

const mariadb = requirePrivateServer('mariadb');
describe.skipIf(!mariadb.available)('startPrivateMariadb', () => {
  it('starts on a free loopback port (not 3306), root without password, a test database, data kept across a restart', async () => {
    const server = track(await startPrivateMariadb());
    expect(server.port).not.toBe(3306);
    expect(server.url).toBe(`mysql://root@127.0.0.1:${server.port}/test`);
    expect((await server.sql('SELECT DATABASE()')).trim()).toBe('test');
    await server.sql('CREATE TABLE kept (x INT) ENGINE=InnoDB; INSERT INTO kept VALUES (42)');
    await server.restart({ downMs: 100 });
    expect((await server.sql('SELECT x FROM kept')).trim()).toBe('42');
    server.freeze();
    const query = server.sql('SELECT 7');
    expect(await pendingAfter(query, 1_500)).toBe(true);
    server.thaw();
    expect((await query).trim()).toBe('7');
    await expectDisposedCleanly(server);
  });
});

const redis = requirePrivateServer('redis');
describe.skipIf(!redis.available)('startPrivateRedisServer', () => {
  it('starts on a free loopback port (not 6379), keeps data across a clean restart, hangs while frozen', async () => {
    const server = track(await startPrivateRedisServer());
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await server.command('SET', 'kept', '42')).toBe('OK');
    await server.restart({ downMs: 100 });
    expect(await server.command('GET', 'kept')).toBe('42');
    server.freeze();
    const reply = server.command('GET', 'kept');
    expect(await pendingAfter(reply, 1_000)).toBe(true);
    server.thaw();
    expect(await reply).toBe('42');
    await expectDisposedCleanly(server);
  });
});

describe.skipIf(!pg.available || !redis.available)('a crashed test process', () => {
  it('leaves no server behind, frozen or not, and no directory, once it is SIGKILLed', async () => {
    // the built package, as the test pipeline builds before testing
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), `build @pool/testkit first: ${dist} is missing`).toBe(true);
    const script = `
      import { startPrivatePostgres, startPrivateRedisServer, processTree } from ${JSON.stringify(dist)};
      const pg = await startPrivatePostgres();
      const redis = await startPrivateRedisServer();
      pg.freeze();
      const pids = [...processTree(pg.pid), ...processTree(redis.pid)].map((p) => p.pid);
      console.log(JSON.stringify({ pids, dirs: [pg.dir, redis.dir] }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (data: Buffer) => {
        out += data.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting its servers`)));
    });
    const { pids, dirs } = JSON.parse(line) as { pids: number[]; dirs: string[] };
    expect(pids.length).toBeGreaterThan(3);
    expect(pids.every(isAlive)).toBe(true);
    child.kill('SIGKILL');
    for (let i = 0; i < 200 && (pids.some(isAlive) || dirs.some((dir) => existsSync(dir))); i++) await sleep(50);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
