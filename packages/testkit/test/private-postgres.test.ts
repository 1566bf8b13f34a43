import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processTree, requirePrivateServer, startPrivatePostgres, waitUntil, type PrivatePostgres } from '../src/index.js';
import { postgresBinDir } from '../src/private-server/commands.js';
import { disposeAfterAll, expectDisposedCleanly, pendingAfter, sleep } from './private-server-helpers.js';

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

const track = disposeAfterAll();

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
    // SIGSTOP is delivered asynchronously: on a loaded machine a process may show 'T' a moment after freeze() returns
    await waitUntil(() => processTree(server.pid as number).every((info) => info.state === 'T'), 'every process of the tree stopped', 2_000);
    const query = server.sql('SELECT 7');
    expect(await pendingAfter(query, 1_500)).toBe(true);
    server.thaw();
    expect((await query).trim()).toBe('7');
    await waitUntil(() => !processTree(server.pid as number).some((info) => info.state === 'T'), 'every process of the tree running again', 2_000);
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
