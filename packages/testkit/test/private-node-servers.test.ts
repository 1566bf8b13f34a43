import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { faultUnderLoad, startPrivateLineServer } from '../src/index.js';
import { disposeAfterAll, expectDisposedCleanly, pendingAfter, sleep } from './private-server-helpers.js';

const track = disposeAfterAll();

/** One line each way on a fresh connection. */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(`${line}\n`));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\n')) {
        socket.destroy();
        resolve(reply.trim());
      }
    });
    socket.on('error', reject);
  });
}

// startPrivateWsServer needs the `ws` package, which testkit does not depend on: @pool/ws's tests run it.
describe('startPrivateLineServer', () => {
  it('answers in its own process: restarted on its port (a clean stop ends open connections), hangs while frozen, killed', async () => {
    const server = track(await startPrivateLineServer());
    expect(await ask(server.port, 'ECHO hi')).toBe('hi');
    expect(await ask(server.port, 'PID')).toBe(String(server.pid));
    const open = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => open.once('connect', resolve));
    const ended = new Promise<void>((resolve) => open.once('end', () => resolve()));
    const before = server.pid;
    await server.restart({ downMs: 100 });
    await ended;
    open.destroy();
    expect(server.pid).not.toBe(before);
    expect(await ask(server.port, 'PING')).toBe('PONG');
    server.freeze();
    const reply = ask(server.port, 'ECHO late');
    expect(await pendingAfter(reply, 500)).toBe(true);
    server.thaw();
    expect(await reply).toBe('late');
    await server.kill();
    await expect(ask(server.port, 'PING')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await server.start();
    await expectDisposedCleanly(server);
  });
});

describe('faultUnderLoad', () => {
  it('runs the loops around the fault and sums up: codes, longest call, first success after it', async () => {
    let failing = false;
    const run = await faultUnderLoad(
      async () => {
        await sleep(5);
        if (failing) throw Object.assign(new Error('down'), { code: 'DOWN' });
      },
      async () => {
        failing = true;
        await sleep(100);
        failing = false;
        return 'done';
      },
      { callers: 2, warmMs: 50, settleMs: 100 },
    );
    expect(run.fault).toBe('done');
    expect(run.codes.DOWN).toBeGreaterThan(0);
    expect(run.withoutCode).toEqual([]);
    expect(run.firstSuccessAfterMs).toBeLessThan(100);
    expect(run.longestMs).toBeLessThan(100);
  });
});
