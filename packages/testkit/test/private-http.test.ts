import { Agent, get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startPrivateHttpServer } from '../src/index.js';
import { disposeAfterAll, expectDisposedCleanly, pendingAfter } from './private-server-helpers.js';

const track = disposeAfterAll();

function getText(url: string, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('startPrivateHttpServer', () => {
  it('serves in its own process: restarted on its port, hangs while frozen, closes idle keep-alive connections on demand', async () => {
    const server = track(await startPrivateHttpServer());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await getText(`${server.url}/x`)).toBe('ok');
    const before = server.pid;
    const times = await server.restart({ downMs: 100 });
    expect(server.pid).not.toBe(before);
    expect(times.readyAt).toBeGreaterThanOrEqual(times.downAt);
    await expect(getText(`${server.url}/y`)).resolves.toBe('ok');
    server.freeze();
    const reply = getText(`${server.url}/z`);
    expect(await pendingAfter(reply, 1_000)).toBe(true);
    server.thaw();
    expect(await reply).toBe('ok');
    // one idle keep-alive connection, closed by closeIdleConnections
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await getText(`${server.url}/k`, agent)).toBe('ok');
    const [socket] = Object.values(agent.freeSockets).flat();
    const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    expect(await server.closeIdleConnections()).toBe(1);
    await closed;
    agent.destroy();
    await expectDisposedCleanly(server);
  });
});
