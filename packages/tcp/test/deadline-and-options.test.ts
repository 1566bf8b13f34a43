import { inspect } from 'node:util';
import { isPoolError, PoolTimeoutError } from '@pool/core';
import { expectQueryTimeout, optionError, recordCallTraces } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTcpPool, tcpProvider, type TcpPool } from '../src/index.js';
import { startLineServer, type LineServer } from './helpers/line-server.js';

let lines: LineServer;
beforeAll(async () => {
  lines = await startLineServer();
});
afterAll(async () => {
  await lines.close();
});

async function withPool(options: { requestTimeoutMs?: number }, fn: (pool: TcpPool<string>) => Promise<void>): Promise<void> {
  const pool = createTcpPool({ host: lines.host, port: lines.port, ...options, pool: { max: 1, validateAfterIdleMs: Infinity } });
  try {
    await fn(pool);
  } finally {
    await pool.close({ timeoutMs: 2_000 });
  }
}

describe('per-call deadline (requestTimeoutMs)', () => {
  it('has a finite documented default', () => {
    const pool = createTcpPool({ port: lines.port });
    expect(pool.requestTimeoutMs).toBe(30_000);
    void pool.close();
  });

  it('past it the call rejects with POOL_TIMEOUT phase query and the socket is destroyed, never reused', async () => {
    await withPool({ requestTimeoutMs: 200 }, async (pool) => {
      expect(await pool.request('ECHO warm')).toBe('warm');
      await expectQueryTimeout(() => pool.request('SLOW 1500 late'), 190, 1_400);
      expect(pool.stats().totals.destroyed).toBe(1);
      expect(await pool.request('ECHO next')).toBe('next');
    });
  });

  it('a call overrides it with timeoutMs, and a signal cuts it sooner', async () => {
    await withPool({ requestTimeoutMs: 10_000 }, async (pool) => {
      const timedOut = await pool.request('SLOW 1500 late', { timeoutMs: 150 }).catch((caught: unknown) => caught);
      expect((timedOut as PoolTimeoutError).phase).toBe('query');
      const aborted = await pool.request('SLOW 1500 late', { signal: AbortSignal.timeout(150) }).catch((caught: unknown) => caught);
      expect((aborted as { code?: string }).code).toMatch(/^(TCP_ABORTED|POOL_ABORTED)$/);
      expect(await pool.request('ECHO fine')).toBe('fine');
    });
  });
});

describe('traces', () => {
  it('every request goes through pool:call (adapter tcp, operation request), failures too', async () => {
    const seen = await recordCallTraces(() => withPool({ requestTimeoutMs: 100 }, async (pool) => {
      await pool.request('ECHO traced');
      await pool.request('SLOW 1000 x').catch(() => undefined);
    }));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ adapter: 'tcp', operation: 'request', server: { host: lines.host, port: lines.port }, result: 'traced' });
    expect(isPoolError(seen[1]!.error, 'POOL_TIMEOUT')).toBe(true);
  });
});

describe('options are checked at creation', () => {
  it.each([
    [{ requestTimeoutMS: 5 }, 'requestTimeoutMS', 'requestTimeoutMs'],
    [{ connectTimeoutMillis: 5 }, 'connectTimeoutMillis', 'connectTimeoutMs'],
    [{ framming: 'line' }, 'framming', 'framing'],
  ])('a typo %o gets "did you mean"', (extra, key, near) => {
    const error = optionError(() => createTcpPool({ port: 1, ...extra } as never));
    expect(error.option).toBe(key);
    expect(error.message).toContain(`did you mean \`${near}\``);
  });

  it.each([
    [{ port: '80' }, 'port'],
    [{ host: '' }, 'host'],
    [{ tls: 'yes' }, 'tls'],
    [{ tls: [] }, 'tls'],
    [{ keepAlive: 1 }, 'keepAlive'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    [{ maxFrameBytes: Number.NaN }, 'maxFrameBytes'],
    [{ framing: 'json' }, 'framing'],
    [{ pool: 5 }, 'pool'],
    [{ ping: 'PING' }, 'ping'],
  ])('a wrong value %o', (extra, key) => {
    expect(optionError(() => createTcpPool({ port: 1, ...extra } as never)).option).toBe(key);
  });

  it('the provider checks its keys too, and request options are checked before a socket is borrowed', async () => {
    expect(optionError(() => tcpProvider({ port: 1, framing: 'line' } as never)).option).toBe('framing');
    await withPool({}, async (pool) => {
      const error = await pool.request('ECHO x', { timeoutMS: 5 } as never).catch((caught: unknown) => caught);
      expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
      expect((error as { message: string }).message).toContain('did you mean `timeoutMs`');
      expect(pool.stats().totals.acquired).toBe(0);
    });
  });

  it('TLS secrets (passphrase, key) stay out of util.inspect of the pool and its provider', async () => {
    const canary = 'tcp-canary-passphrase-7f3';
    const pool = createTcpPool({ port: lines.port, tls: { passphrase: canary, key: `-----BEGIN KEY ${canary}-----` } });
    try {
      expect(inspect(pool, { depth: 12 })).not.toContain(canary);
      expect(JSON.stringify(tcpProvider({ port: 1, tls: { passphrase: canary } }).options)).not.toContain(canary);
      expect(tcpProvider({ port: 1, tls: { passphrase: canary } }).options.tls?.passphrase).toBe(canary);
    } finally {
      await pool.close();
    }
  });
});
