import net from 'node:net';
import { createPool } from '@pool/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsPool, isWsPoolError, redactUrl, wsProvider } from '../src/index.js';
import { startWsServer, type TestWsServer } from './helpers/ws-server.js';

const canaries = ['usercanary7b1', 'passcanary9c2', 'tokcanary3d4', 'hdrcanary5e6'];
const credentials = `${canaries[0]}:${canaries[1]}`;
const never = new AbortController().signal;

let refusing: TestWsServer;
let silentPort: number;
let silent: net.Server;

beforeAll(async () => {
  refusing = await startWsServer({ rejectWith: 401 });
  silent = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await refusing.close();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

/** Everything an error can show: message, stack, JSON, own fields, the whole cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  for (let link: unknown = error, depth = 0; link !== undefined && depth < 10; link = (link as { cause?: unknown }).cause, depth++) {
    if (link instanceof Error) parts.push(String(link), link.stack ?? '', JSON.stringify(link), JSON.stringify(Object.entries(link)));
    else parts.push(String(link));
  }
  return parts.join('\n');
}

function expectNoSecrets(text: string): void {
  for (const canary of canaries) expect(text).not.toContain(canary);
}

const headers = { Authorization: `Bearer ${canaries[3]}` };

describe('credentials never appear in errors or logs (rows 27 and 35)', () => {
  it('the URL the pool shows hides user info and secret query parameters (@pool/core redactUrl + scrubText)', () => {
    const url = `wss://${credentials}@example.test/feed?token=${canaries[2]}&room=7`;
    const safe = wsProvider({ url }).options.safeUrl;
    expectNoSecrets(safe);
    expect(safe).toBe('wss://***:***@example.test/feed?token=***&room=7');
    // the re-exported core routine: the password and the token go, a user name is no secret to it
    expect(redactUrl(url)).toBe(`wss://${canaries[0]}:***@example.test/feed?token=***&room=7`);
  });

  it('a handshake refused with 401: the credentials were sent, and no error shows them', async () => {
    const url = `ws://${credentials}@127.0.0.1:${refusing.port}/feed?token=${canaries[2]}`;
    const error = await wsProvider({ url, headers }).create({ signal: never }).catch((e: unknown) => e);
    expect(isWsPoolError(error, 'WS_CONNECT_FAILED')).toBe(true);
    expect(refusing.requests.at(-1)?.headers.authorization).toContain(canaries[3]);
    expect((error as { url: string }).url).toBe(`ws://***:***@127.0.0.1:${refusing.port}/feed?token=***`);
    expectNoSecrets(everythingIn(error));
  });

  it('refused, handshake timeout and abort: no error shows them', async () => {
    const gone = `ws://${credentials}@127.0.0.1:1/?access_token=${canaries[2]}`;
    const stuck = `ws://${credentials}@127.0.0.1:${silentPort}/?access_token=${canaries[2]}`;
    const controller = new AbortController();
    const errors = await Promise.all([
      wsProvider({ url: gone, headers }).create({ signal: never }).catch((e: unknown) => e),
      wsProvider({ url: stuck, headers, handshakeTimeoutMs: 100 }).create({ signal: never }).catch((e: unknown) => e),
      (() => {
        const creating = wsProvider({ url: stuck, headers }).create({ signal: controller.signal }).catch((e: unknown) => e);
        setTimeout(() => controller.abort(new Error('gave up')), 30);
        return creating;
      })(),
    ]);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['WS_CONNECT_FAILED', 'WS_HANDSHAKE_TIMEOUT', 'WS_ABORTED']);
    for (const error of errors) expectNoSecrets(everythingIn(error));
  });

  it('through a pool, with a logger: acquire errors, error events and log lines show none of them', async () => {
    const lines: string[] = [];
    const log = (fields: unknown, message?: string) => lines.push(`${JSON.stringify(fields)} ${message ?? ''}`);
    const logger = { debug: log, info: log, warn: log, error: log };
    const url = `ws://${credentials}@127.0.0.1:${refusing.port}/?token=${canaries[2]}`;
    const pool = createPool(wsProvider({ url, headers }), { logger, failFast: { afterFailures: 2 }, retry: { minDelayMs: 10, maxDelayMs: 20 } });
    const events: unknown[] = [];
    pool.on('error', (error) => events.push(error));
    // long enough for creates to fail (and be logged) on a loaded machine; the breaker fails them fast after two
    const errors = [
      await pool.acquire({ timeoutMs: 2000 }).catch((e: unknown) => e),
      await pool.acquire({ timeoutMs: 2000 }).catch((e: unknown) => e),
    ];
    await pool.close();
    const wsPool = createWsPool({ url, headers, pool: { failFast: false } });
    errors.push(await wsPool.request({ op: 'echo' }, { timeoutMs: 200 }).catch((e: unknown) => e));
    await wsPool.close();
    expect(events.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    for (const error of [...errors, ...events]) expectNoSecrets(everythingIn(error));
    expectNoSecrets(lines.join('\n'));
  });

  it('an unparsable URL is never echoed', () => {
    let error: unknown;
    try {
      wsProvider({ url: `::${canaries[2]}::` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    expectNoSecrets(everythingIn(error));
  });
});
