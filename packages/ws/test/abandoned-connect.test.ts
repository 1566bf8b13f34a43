import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runUntilExit } from '@pool/testkit';
import { describe, expect, it } from 'vitest';

// A script that gave up on a connect (its deadline passed, or its signal aborted) and closes nothing
// else must exit: the connect the pool keeps running for the next caller must not hold the event
// loop. Run on the built package in a child process, against an in-process server that accepts TCP
// and never answers the WebSocket upgrade (its own sockets and timers unref'd: only the client's
// connect could keep the child alive). handshakeTimeoutMs and createTimeoutMs are 60 s: a child still
// alive when killed after 20 s was held by the connect (before the fix: until those deadlines).

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cwd = fileURLToPath(new URL('..', import.meta.url));
const distUrl = JSON.stringify(pathToFileURL(dist).href);

const silentServer = `
  import net from 'node:net';
  import { once } from 'node:events';
  import { WebSocket } from 'ws';
  import { createWsPool } from ${distUrl};
  const tcp = net.createServer((socket) => socket.unref()); // accepts TCP, never answers the upgrade
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  tcp.unref();
  const url = 'ws://127.0.0.1:' + tcp.address().port;
`;

/** The same server answering the upgrade `ms` after the request: a slow handshake a waiting caller still gets. */
const slowServer = (ms: number) => `
  import http from 'node:http';
  import { once } from 'node:events';
  import { WebSocketServer } from 'ws';
  import { createWsPool } from ${distUrl};
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => { ws._socket.unref(); ws.on('message', (data) => ws.send(String(data))); });
  const web = http.createServer();
  web.on('upgrade', (request, socket, head) => {
    socket.unref();
    setTimeout(() => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)), ${ms}).unref();
  });
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  web.unref();
  const url = 'ws://127.0.0.1:' + web.address().port;
`;

describe('a connect its only caller gave up on does not keep the process alive', () => {
  expect(existsSync(dist), `build @pool/ws first: ${dist} is missing`).toBe(true);

  it('request({ timeoutMs }) times out in the handshake: the script exits without close()', async () => {
    const exit = await runUntilExit(`${silentServer}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { createTimeoutMs: 60_000 } });
      const error = await pool.request({ n: 1 }, { timeoutMs: 200 }).catch((caught) => caught);
      console.log(error.code, error.phase);
      console.log('closed');
    `, { cwd });
    expect(exit.lines).toEqual(['POOL_TIMEOUT acquire', 'closed']);
    expect(exit.code).toBe(0);
    expect(exit.exitAfterCloseMs).toBeLessThan(5_000);
  });

  it('use() whose AbortSignal fired: the script exits without close()', async () => {
    const exit = await runUntilExit(`${silentServer}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { createTimeoutMs: 60_000 } });
      const error = await pool.use(() => 'never', { signal: AbortSignal.timeout(200) }).catch((caught) => caught);
      console.log(error.code);
      console.log('closed');
    `, { cwd });
    expect(exit.lines).toEqual(['POOL_ABORTED', 'closed']);
    expect(exit.code).toBe(0);
    expect(exit.exitAfterCloseMs).toBeLessThan(5_000);
  });

  it('a connect another caller still waits for keeps the process alive until it is served, and its socket then is a regular idle one', async () => {
    const exit = await runUntilExit(`${slowServer(1_500)}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { max: 1, idleTimeoutMs: 300, createTimeoutMs: 60_000, acquireTimeoutMs: Infinity } });
      const quitter = pool.request({ n: 1 }, { timeoutMs: 200 }).catch((caught) => caught.code);
      const patient = pool.request({ n: 2 }).then((reply) => 'served ' + reply.n, (caught) => caught.code);
      console.log(await quitter);
      console.log(await patient);
      console.log('closed');
    `, { cwd });
    // the patient caller has no acquire deadline (whose timer would hold the process): only the
    // connect it waits for does; let go, the child would end with an unsettled top-level await (code 13)
    expect(exit.lines).toEqual(['POOL_TIMEOUT', 'served 2', 'closed']);
    expect(exit.code).toBe(0);
  });

  it('a caller that comes back for the connect holds the process again', async () => {
    const exit = await runUntilExit(`${slowServer(1_500)}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { max: 1, idleTimeoutMs: 300, createTimeoutMs: 60_000, acquireTimeoutMs: Infinity } });
      console.log(await pool.request({ n: 1 }, { timeoutMs: 200 }).catch((caught) => caught.code));
      // nobody waits now; a second caller arrives later and waits for the same connect
      await new Promise((resolve) => setTimeout(resolve, 300));
      console.log(await pool.request({ n: 2 }).then((reply) => 'served ' + reply.n, (caught) => caught.code));
      console.log('closed');
    `, { cwd });
    expect(exit.lines).toEqual(['POOL_TIMEOUT', 'served 2', 'closed']);
    expect(exit.code).toBe(0);
  });

  it('ready() waiting for the connects of a raised min keeps the process alive until they open', async () => {
    const exit = await runUntilExit(`${slowServer(1_500)}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { idleTimeoutMs: 300, createTimeoutMs: 60_000 } });
      pool.resize({ min: 1 });
      await pool.ready();
      console.log('ready', pool.stats().size);
      await pool.close();
      console.log('closed');
    `, { cwd });
    expect(exit.lines).toEqual(['ready 1', 'closed']);
    expect(exit.code).toBe(0);
  });

  it('close() after giving up ends the connect at once, as terminate() does on a plain WebSocket', async () => {
    const exit = await runUntilExit(`${silentServer}
      const pool = createWsPool({ url, handshakeTimeoutMs: 60_000, pool: { createTimeoutMs: 60_000 } });
      await pool.request({ n: 1 }, { timeoutMs: 200 }).catch(() => undefined);
      let started = performance.now();
      await pool.close();
      const poolMs = performance.now() - started;
      const plain = new WebSocket(url);
      plain.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      started = performance.now();
      const closed = new Promise((resolve) => plain.once('close', resolve));
      plain.terminate();
      await closed;
      const plainMs = performance.now() - started;
      console.log(JSON.stringify({ poolMs: Math.round(poolMs), plainMs: Math.round(plainMs), state: plain.readyState }));
      console.log('closed');
    `, { cwd });
    expect(exit.code).toBe(0);
    const figures = JSON.parse(exit.lines[0] ?? '{}') as { poolMs: number; plainMs: number; state: number };
    console.log('close() after an abandoned connect vs plain terminate()', figures, 'exit after', Math.round(exit.exitAfterCloseMs), 'ms');
    expect(figures.state).toBe(3);
    expect(figures.poolMs).toBeLessThan(5_000);
    expect(exit.exitAfterCloseMs).toBeLessThan(5_000);
  });
});
