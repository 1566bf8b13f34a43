import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requirePrivateServer, startPrivateMariadb, startPrivateRedisServer } from '../src/index.js';
import { disposeAfterAll, expectDisposedCleanly, pendingAfter, sleep } from './private-server-helpers.js';

const track = disposeAfterAll();

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
    // an idle client session (the mariadb client kept open on stdin), ended by killIdleConnections
    const idle = spawn('mariadb', ['--no-defaults', '-uroot', `--socket=${server.socketPath}`, 'test'], { stdio: ['pipe', 'ignore', 'ignore'] });
    idle.stdin.write('SELECT 1;\n');
    const sleeping = "SELECT count(*) FROM information_schema.processlist WHERE command = 'Sleep' AND id <> CONNECTION_ID()";
    for (let i = 0; i < 200 && (await server.sql(sleeping)).trim() !== '1'; i++) await sleep(25);
    expect(await server.killIdleConnections()).toBe(1);
    for (let i = 0; i < 200 && (await server.sql(sleeping)).trim() !== '0'; i++) await sleep(25);
    expect((await server.sql(sleeping)).trim()).toBe('0');
    idle.kill();
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
    // an idle client (a raw socket that said PING), closed by killClients
    const socket = connect({ host: '127.0.0.1', port: server.port });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('PING\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    expect(await server.killClients()).toBe(1);
    await closed;
    await expectDisposedCleanly(server);
  });
});
