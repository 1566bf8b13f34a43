import { inspect } from 'node:util';
import { isPoolError, PoolTimeoutError } from '@pool/core';
import { expectQueryTimeout, optionError, recordCallTraces } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsPool, wsProvider, type WsPool } from '../src/index.js';
import { startWsServer, type TestWsServer } from './helpers/ws-server.js';

let server: TestWsServer;
beforeAll(async () => {
  server = await startWsServer();
});
afterAll(async () => {
  await server.close();
});

async function withPool(options: { requestTimeoutMs?: number }, fn: (pool: WsPool) => Promise<void>): Promise<void> {
  const pool = createWsPool({ url: server.url, closeTimeoutMs: 200, ...options, pool: { max: 1, validateAfterIdleMs: Infinity } });
  try {
    await fn(pool);
  } finally {
    await pool.close({ timeoutMs: 2_000 });
  }
}

describe('per-call deadline (requestTimeoutMs)', () => {
  it('has a finite documented default', async () => {
    await withPool({}, async (pool) => {
      expect(pool.requestTimeoutMs).toBe(30_000);
    });
  });

  it('past it the call rejects with POOL_TIMEOUT phase query and the socket is destroyed, never reused', async () => {
    await withPool({ requestTimeoutMs: 200 }, async (pool) => {
      const socket = await pool.use((ws) => ws);
      await expectQueryTimeout(() => pool.request({ op: 'slow', ms: 1_500 }), 190, 1_400);
      expect(pool.stats().totals.destroyed).toBe(1);
      expect(await pool.use((ws) => ws)).not.toBe(socket);
    });
  });

  it('a call overrides it with timeoutMs, and a signal cuts it sooner', async () => {
    await withPool({ requestTimeoutMs: 10_000 }, async (pool) => {
      const timedOut = await pool.request({ op: 'slow', ms: 1_500 }, { timeoutMs: 150 }).catch((caught: unknown) => caught);
      expect((timedOut as PoolTimeoutError).phase).toBe('query');
      const aborted = await pool.request({ op: 'slow', ms: 1_500 }, { signal: AbortSignal.timeout(150) }).catch((caught: unknown) => caught);
      expect((aborted as { code?: string }).code).toMatch(/^(WS_ABORTED|POOL_ABORTED)$/);
      expect(((await pool.request({ op: 'echo', value: 'fine' })) as { echo: string }).echo).toBe('fine');
    });
  });
});

describe('traces', () => {
  it('every request goes through pool:call (adapter ws, operation request), failures too; the message is not in the context', async () => {
    const seen = await recordCallTraces(() => withPool({ requestTimeoutMs: 100 }, async (pool) => {
      await pool.request({ op: 'echo', value: 'traced' });
      await pool.request({ op: 'slow', ms: 1_000 }).catch(() => undefined);
    }));
    const port = Number(new URL(server.url).port);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ adapter: 'ws', operation: 'request', server: { host: '127.0.0.1', port } });
    expect(isPoolError(seen[1]!.error, 'POOL_TIMEOUT')).toBe(true);
  });
});

describe('options are checked at creation', () => {
  it.each([
    [{ requestTimeoutMS: 5 }, 'requestTimeoutMS', 'requestTimeoutMs'],
    [{ handshakeTimeout: 5 }, 'handshakeTimeout', 'handshakeTimeoutMs'],
    [{ header: {} }, 'header', 'headers'],
  ])('a typo %o gets "did you mean"', (extra, key, near) => {
    const error = optionError(() => createWsPool({ url: 'ws://127.0.0.1:1', ...extra } as never));
    expect(error.option).toBe(key);
    expect(error.message).toContain(`did you mean \`${near}\``);
  });

  it.each([
    [{ protocols: 5 }, 'protocols'],
    [{ headers: { a: 1 } }, 'headers'],
    [{ headers: [] }, 'headers'],
    [{ clientOptions: [] }, 'clientOptions'],
    [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
    [{ destroyOnTimeout: 'yes' }, 'destroyOnTimeout'],
    [{ idField: '' }, 'idField'],
    [{ pool: 'big' }, 'pool'],
    [{ clientOptions: { headers: {} } }, 'clientOptions'],
  ])('a wrong value %o', (extra, key) => {
    expect(optionError(() => createWsPool({ url: 'ws://127.0.0.1:1', ...extra } as never)).option).toBe(key);
  });

  it.each(['http://user:wscanary42@h/x', 'not a url', 'ws://user:wscanary42@h:99999/x'])('a URL with the wrong scheme or that does not parse is refused, its password nowhere: %s', (url) => {
    const error = optionError(() => createWsPool({ url }));
    expect(error.option).toBe('url');
    expect(`${error.message}\n${error.stack}`).not.toContain('wscanary42');
  });

  it('credentials (URL user info, Authorization header) stay out of util.inspect of the pool and its provider', async () => {
    const canary = 'wscanary-secret-91';
    const url = new URL(server.url);
    url.username = 'someone';
    url.password = canary;
    const pool = createWsPool({ url: url.toString(), headers: { Authorization: `Bearer ${canary}` }, pool: { max: 1 } });
    try {
      await pool.request({ op: 'echo', value: 1 });
      expect(inspect(pool, { depth: 6 })).not.toContain(canary);
      expect(JSON.stringify(wsProvider({ url: url.toString() }).options)).not.toContain(canary);
    } finally {
      await pool.close({ timeoutMs: 2_000 });
    }
  });

  it('request options are checked before a socket is borrowed', async () => {
    await withPool({}, async (pool) => {
      const error = await pool.request({ op: 'echo' }, { timeoutMS: 5 } as never).catch((caught: unknown) => caught);
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
      expect((error as Error).message).toContain('did you mean `timeoutMs`');
      expect(pool.stats().totals.acquired).toBe(0);
    });
  });
});
